package io.persona4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark checkpoint: a Llama-shaped decoder with seeded random F32 weights, written once as
 * a Hugging Face directory (config.json, model.safetensors, tokenizer.json) that both engines load.
 */
final class BenchCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long SEED = 42;
  static final float STD = 0.02f;

  private BenchCheckpoint() {}

  /**
   * ~100M parameters: hidden 768, 12 layers, 12 query heads over 4 KV heads (head_dim 64), SwiGLU
   * 2048, vocabulary 32000, tied embeddings.
   */
  static LlamaConfig config() {
    return new LlamaConfig(
        "llama",
        32000,
        768,
        2048,
        12,
        12,
        4,
        null,
        1e-5,
        10000.0,
        null,
        2048,
        true,
        false,
        false,
        "silu",
        1,
        List.of(2),
        null,
        null,
        null,
        "float32",
        null);
  }

  /** Writes the checkpoint into {@code dir} unless an identical one is already there. */
  static Path ensure(Path dir, LlamaConfig config) throws IOException {
    Path marker = dir.resolve("bench-checkpoint.json");
    String want = ModelConfigs.toJson(config) + "\nseed=" + SEED + " std=" + STD;
    if (Files.isRegularFile(marker) && Files.readString(marker).equals(want)) {
      return dir;
    }
    System.err.printf(
        "bench: writing a %,d-parameter random F32 checkpoint to %s ...%n",
        config.parameterCount(), dir);
    long t0 = System.nanoTime();
    Files.createDirectories(dir);
    Files.deleteIfExists(marker);
    ModelConfigs.save(config, dir);
    scalarEos(dir.resolve(ModelConfigs.FILE_NAME));
    Map<String, FloatTensor> w = RandomWeights.llama(config, SEED, STD);
    Path tmp = dir.resolve("model.safetensors.tmp");
    writeSafetensors(tmp, w);
    Files.move(
        tmp,
        dir.resolve("model.safetensors"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    writeTokenizer(dir.resolve("tokenizer.json"), config.vocabSize());
    Files.writeString(marker, want);
    System.err.printf("bench: checkpoint written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return dir;
  }

  /** Jlama 0.8.4's Qwen2Config binds eos_token_id to an int; HF writes one EOS as a number. */
  private static void scalarEos(Path configJson) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(configJson.toFile());
    if (root.get("eos_token_id") instanceof ArrayNode a && a.size() == 1) {
      root.set("eos_token_id", a.get(0));
      JSON.writerWithDefaultPrettyPrinter().writeValue(configJson.toFile(), root);
    }
  }

  private static void writeSafetensors(Path file, Map<String, FloatTensor> weights)
      throws IOException {
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
    int padded = (json.length + 63) / 64 * 64;
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
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

  private static void writeTokenizer(Path file, int vocabSize) throws IOException {
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

  /**
   * The F32 tensors of {@code dir/model.safetensors}, read with positional reads through one reused
   * staging buffer and copied into PyTorch-owned memory: no mapping and no garbage direct buffers
   * stay behind, so resident memory is the model itself, and arrays the model replaces at load time
   * (it transposes and concatenates projections) are freed when closed.
   */
  static WeightSource open(Path dir) throws IOException {
    Path file = dir.resolve("model.safetensors");
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, long[]> ranges = new LinkedHashMap<>();
    long dataStart;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long n = len.flip().getLong();
      ByteBuffer hdr = ByteBuffer.allocate(Math.toIntExact(n));
      ch.read(hdr, 8);
      JsonNode root = JSON.readTree(new String(hdr.array(), StandardCharsets.UTF_8));
      dataStart = 8 + n;
      for (var it = root.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        if (!e.getValue().get("dtype").asText().equals("F32")) {
          throw new IOException(file + ": " + e.getKey() + " is not F32");
        }
        JsonNode s = e.getValue().get("shape");
        long[] shape = new long[s.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = s.get(i).asLong();
        }
        JsonNode o = e.getValue().get("data_offsets");
        shapes.put(e.getKey(), shape);
        ranges.put(e.getKey(), new long[] {o.get(0).asLong(), o.get(1).asLong()});
      }
    }
    long base = dataStart;
    return new WeightSource() {
      @Override
      public String describe() {
        return file.toString();
      }

      @Override
      public Set<String> names() {
        return shapes.keySet();
      }

      @Override
      public Shape shape(String name) throws IOException {
        return new Shape(get(shapes, name));
      }

      @Override
      public NDArray load(String name, NDManager manager) throws IOException {
        long[] r = get(ranges, name);
        NDArray a = manager.create(new Shape(get(shapes, name)), DataType.FLOAT32);
        // A direct buffer over the array's own (PyTorch-owned) memory: the file is read into it.
        ByteBuffer dst = a.toByteBuffer(true);
        if (!dst.isDirect() || dst.capacity() != r[1] - r[0]) {
          a.close();
          throw new IOException(name + ": cannot read into the array's memory");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
          long pos = base + r[0];
          while (dst.hasRemaining()) {
            int k = ch.read(dst, pos);
            if (k < 0) {
              a.close();
              throw new IOException(file + ": truncated at " + name);
            }
            pos += k;
          }
        }
        return a;
      }

      private <T> T get(Map<String, T> m, String name) throws IOException {
        T v = m.get(name);
        if (v == null) {
          throw new IOException(file + ": missing tensor '" + name + "'");
        }
        return v;
      }
    };
  }
}
