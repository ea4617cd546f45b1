package io.persona4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfigs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a tiny Hugging Face checkpoint directory for tests: {@code config.json}, a single F32
 * {@code model.safetensors} and a minimal {@code tokenizer.json} (a BPE vocabulary of placeholder
 * pieces, enough for loaders that insist on a tokenizer; the tests feed token ids directly).
 */
final class TinyCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyCheckpoint() {}

  static Path write(Path dir, LlamaConfig config, Map<String, FloatTensor> weights)
      throws IOException {
    Files.createDirectories(dir);
    ModelConfigs.save(config, dir);
    scalarEos(dir.resolve(ModelConfigs.FILE_NAME));
    writeSafetensors(dir.resolve("model.safetensors"), weights);
    writeTokenizer(dir.resolve("tokenizer.json"), config.vocabSize());
    return dir;
  }

  /**
   * Writes a single {@code eos_token_id} as a number, as Hugging Face checkpoints of one EOS token
   * do: Jlama 0.8.4's {@code Qwen2Config} binds it to an {@code int} and rejects a list.
   */
  static void scalarEos(Path configJson) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(configJson.toFile());
    if (root.get("eos_token_id") instanceof ArrayNode a && a.size() == 1) {
      root.set("eos_token_id", a.get(0));
      JSON.writerWithDefaultPrettyPrinter().writeValue(configJson.toFile(), root);
    }
  }

  /** A single-file safetensors with every tensor as little-endian F32, in map order. */
  static void writeSafetensors(Path file, Map<String, FloatTensor> weights) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (Map.Entry<String, FloatTensor> e : weights.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      ArrayNode shape = t.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      long bytes = 4L * e.getValue().values().length;
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // keep the data 8-byte aligned, padding with spaces
    try (OutputStream out = Files.newOutputStream(file)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(json);
      for (int i = json.length; i < padded; i++) {
        out.write(' ');
      }
      for (FloatTensor t : weights.values()) {
        float[] v = t.values();
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        out.write(buf.array());
      }
    }
  }

  /** A BPE tokenizer.json whose vocabulary is {@code <t0> .. <t(n-1)>} with no merges. */
  static void writeTokenizer(Path file, int vocabSize) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < vocabSize; i++) {
      vocab.put("<t" + i + ">", i);
    }
    model.putArray("merges");
    JSON.writeValue(file.toFile(), root);
  }
}
