/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.adapters.prompt.PromptTuningFiles;
import io.persona4j.adapters.prompt.SoftPromptConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.ModelInit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Base models and adapter directories for the store's tests, written without DJL. */
final class TestAdapters {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestAdapters() {}

  /** A tiny random Llama (2 layers, hidden 32, 4 heads, 2 KV heads: v_proj is [16, 32]). */
  static Path llamaBase(Path dir, long seed) throws IOException {
    ModelInit.write(
        ModelInit.decoderConfig("llama", 2, 32, 4, 2, 272, 0, 64), seed, 0.02f, DType.F32, dir);
    return dir;
  }

  /** A tiny random Llama with hidden 48 (other shapes than {@link #llamaBase}). */
  static Path wideLlamaBase(Path dir, long seed) throws IOException {
    ModelInit.write(
        ModelInit.decoderConfig("llama", 2, 48, 4, 2, 272, 0, 64), seed, 0.02f, DType.F32, dir);
    return dir;
  }

  /** A tiny random BERT encoder (hidden 32). */
  static Path bertBase(Path dir, long seed) throws IOException {
    ModelInit.write(ModelInit.encoderConfig(2, 32, 4, 256, 0, 32), seed, 0.02f, DType.F32, dir);
    return dir;
  }

  /** A PEFT LoRA adapter directory for a base, built field by field. */
  static final class Lora {
    private final BaseModel base;
    private String fingerprint;
    private int rank = 4;
    private int tensorRank = -1;
    private double alpha = 8;
    private List<String> targets = List.of("q_proj", "v_proj");
    private long seed = 1;
    private final Map<String, long[]> heads = new LinkedHashMap<>();
    private final Map<String, byte[]> extra = new TreeMap<>();

    Lora(BaseModel base) {
      this.base = base;
      this.fingerprint = base.fingerprint();
    }

    /** The fingerprint recorded in adapter_config.json; null records none (Python PEFT). */
    Lora fingerprint(String fp) {
      this.fingerprint = fp;
      return this;
    }

    Lora rank(int r) {
      this.rank = r;
      return this;
    }

    /** Tensors of another rank than the config states. */
    Lora tensorRank(int r) {
      this.tensorRank = r;
      return this;
    }

    Lora alpha(double a) {
      this.alpha = a;
      return this;
    }

    Lora targets(String... t) {
      this.targets = List.of(t);
      return this;
    }

    Lora seed(long s) {
      this.seed = s;
      return this;
    }

    /** A classification head saved as modules_to_save (e.g. "classifier.weight", [3, 32]). */
    Lora head(String param, long... shape) {
      heads.put(param, shape);
      return this;
    }

    /** An extra file beside the adapter (e.g. a README or classifier.json). */
    Lora file(String path, byte[] bytes) {
      extra.put(path, bytes);
      return this;
    }

    Path writeTo(Path dir) throws IOException {
      Files.createDirectories(dir);
      SplittableRandom rnd = new SplittableRandom(seed);
      Map<String, HostTensor> tensors = new LinkedHashMap<>();
      int r = tensorRank > 0 ? tensorRank : rank;
      Pattern p = Pattern.compile("(.*\\.(" + String.join("|", targets) + "))\\.weight");
      for (Map.Entry<String, long[]> e : base.tensorShapes().entrySet()) {
        Matcher m = p.matcher(e.getKey());
        if (!m.matches() || e.getValue().length != 2) {
          continue;
        }
        long out = e.getValue()[0];
        long in = e.getValue()[1];
        String module = "base_model.model." + m.group(1);
        tensors.put(module + ".lora_A.weight", random(rnd, r, in));
        tensors.put(module + ".lora_B.weight", random(rnd, out, r));
      }
      List<String> modules = new ArrayList<>();
      for (Map.Entry<String, long[]> e : heads.entrySet()) {
        tensors.put("base_model.model." + e.getKey(), random(rnd, e.getValue()));
        String module = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
        if (!modules.contains(module)) {
          modules.add(module);
        }
      }
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("format", "pt");
      SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, meta);
      ObjectNode c = JSON.createObjectNode();
      c.put("peft_type", "LORA");
      c.put("task_type", heads.isEmpty() ? "CAUSAL_LM" : "SEQ_CLS");
      c.put("r", rank);
      c.put("lora_alpha", alpha);
      c.put("lora_dropout", 0.0);
      c.put("bias", "none");
      c.put("inference_mode", true);
      ArrayNode t = c.putArray("target_modules");
      targets.forEach(t::add);
      if (!modules.isEmpty()) {
        ArrayNode mts = c.putArray("modules_to_save");
        modules.forEach(mts::add);
      }
      if (fingerprint != null) {
        ObjectNode o = c.putObject("persona4j");
        o.put("format_version", AdapterProvenance.FORMAT_VERSION);
        o.put("code_version", "test");
        o.put("base_model_fingerprint", fingerprint);
      }
      Files.writeString(
          dir.resolve("adapter_config.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c),
          StandardCharsets.UTF_8);
      for (Map.Entry<String, byte[]> e : extra.entrySet()) {
        Path f = dir.resolve(e.getKey());
        Files.createDirectories(f.getParent());
        Files.write(f, e.getValue());
      }
      return dir;
    }

    AdapterPayload payload(Path scratch) throws IOException {
      return AdapterPayload.readDirectory(writeTo(Files.createTempDirectory(scratch, "lora-")));
    }
  }

  /** A prompt-tuning directory (PEFT layout) with a head, as SecFPP's local part. */
  static Path softPrompt(Path dir, int tokens, int width, int labels, long seed)
      throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] prompt = floats(rnd, tokens * width);
    Map<String, float[]> extras = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    extras.put("classifier.weight", floats(rnd, labels * width));
    shapes.put("classifier.weight", new long[] {labels, width});
    extras.put("classifier.bias", floats(rnd, labels));
    shapes.put("classifier.bias", new long[] {labels});
    PromptTuningFiles.write(
        dir,
        new SoftPromptConfig(tokens, width, SoftPromptConfig.Init.RANDOM, 0),
        prompt,
        "SEQ_CLS",
        extras,
        shapes);
    return dir;
  }

  /** A user-vector directory: one float vector, the fingerprint in its metadata (or none). */
  static Path userVector(Path dir, int width, String fingerprint, long seed) throws IOException {
    Files.createDirectories(dir);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    if (fingerprint != null) {
      meta.put(PayloadInspector.FINGERPRINT_METADATA, fingerprint);
    }
    SafetensorsWriter.write(
        dir.resolve("user_vector.safetensors"),
        Map.of("user_embedding", random(new SplittableRandom(seed), width)),
        meta);
    return dir;
  }

  static HostTensor random(SplittableRandom rnd, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return HostTensor.f32(shape, floats(rnd, (int) n));
  }

  private static float[] floats(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rnd.nextDouble() * 0.2 - 0.1);
    }
    return v;
  }
}
