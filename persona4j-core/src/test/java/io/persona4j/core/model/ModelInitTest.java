/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.HalfFloats;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInitTest {
  static final long[] IDS = {1, 17, 260, 3, 99, 150};

  static float[] logits(LlamaModel model, NDManager m) {
    return model.logits(m.create(IDS, new Shape(1, IDS.length)), null).toFloatArray();
  }

  @Test
  void writtenCheckpointLoadsBackToTheSameModel(@TempDir Path dir) throws IOException {
    LlamaConfig config = ModelInit.decoderConfig("qwen2", 2, 32, 4, 2, 300, 0, 128);
    ModelInit.write(config, 5, 0.2f, DType.F32, dir);
    assertThat(dir.resolve("config.json")).exists();
    assertThat(ModelConfigs.load(dir)).isEqualTo(config);
    try (Tokenizer tok = Tokenizer.fromDirectory(dir)) {
      assertThat(tok.vocabSize()).isEqualTo(300);
      assertThat(tok.bosId()).hasValue(ModelInit.BOS);
      assertThat(tok.eosId()).hasValue(ModelInit.EOS);
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel fromDisk = LlamaModel.load(dir, m);
        LlamaModel inMemory =
            LlamaModel.load(
                config, WeightSource.ofFloats("mem", RandomWeights.llama(config, 5, 0.2f)), m)) {
      assertThat(logits(fromDisk, m)).containsExactly(logits(inMemory, m));
    }
  }

  @Test
  void halfPrecisionCheckpointsComputeWithTheRoundedWeights(@TempDir Path dir) throws IOException {
    LlamaConfig config = ModelInit.decoderConfig("llama", 1, 32, 4, 4, 300, 0, 64);
    Map<String, FloatTensor> w = RandomWeights.llama(config, 9, 0.2f);
    for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
      Path d = dir.resolve(dtype.name());
      ModelInit.write(config, 9, 0.2f, dtype, d);
      Map<String, FloatTensor> rounded = new LinkedHashMap<>();
      w.forEach(
          (name, t) -> {
            float[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) {
              v[i] =
                  dtype == DType.F16
                      ? HalfFloats.f16ToF32(HalfFloats.f32ToF16(v[i]))
                      : HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(v[i]));
            }
            rounded.put(name, new FloatTensor(t.shape(), v));
          });
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel half = LlamaModel.load(d, m);
          LlamaModel ref = LlamaModel.load(config, WeightSource.ofFloats("rounded", rounded), m);
          LlamaModel full = LlamaModel.load(config, WeightSource.ofFloats("f32", w), m)) {
        float[] got = logits(half, m);
        assertThat(got).as(dtype.name()).containsExactly(logits(ref, m));
        assertThat(got).as(dtype.name()).isNotEqualTo(logits(full, m));
      }
    }
  }

  @Test
  void checkpointThatDisagreesWithConfigNamesTheTensor(@TempDir Path dir) throws IOException {
    LlamaConfig config = ModelInit.decoderConfig("llama", 1, 32, 4, 4, 300, 0, 64);
    ModelInit.write(config, 1, 0.02f, DType.F32, dir);
    LlamaConfig wider = ModelInit.decoderConfig("llama", 1, 48, 4, 4, 300, 0, 64);
    ModelConfigs.save(wider, dir);
    assertThatThrownBy(() -> LlamaModel.load(dir, TensorRuntime.newManager()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("model.embed_tokens.weight")
        .hasMessageContaining("(300, 32)")
        .hasMessageContaining("(300, 48)");
  }

  @Test
  void missingTensorIsNamedAndNanWeightsOnlyWarn(@TempDir Path dir) throws IOException {
    LlamaConfig config = ModelInit.decoderConfig("llama", 1, 32, 4, 4, 300, 0, 64);
    ModelConfigs.save(config, dir);
    Map<String, HostTensor> host = new LinkedHashMap<>();
    RandomWeights.llama(config, 1, 0.02f)
        .forEach((n, t) -> host.put(n, HostTensor.f32(t.shape(), t.values())));
    host.remove("model.layers.0.mlp.up_proj.weight");
    SafetensorsWriter.write(dir.resolve("model.safetensors"), host, Map.of());
    assertThatThrownBy(() -> LlamaModel.load(dir, TensorRuntime.newManager()))
        .hasMessageContaining("missing tensor 'model.layers.0.mlp.up_proj.weight'");

    Map<String, FloatTensor> w = RandomWeights.llama(config, 1, 0.02f);
    host.clear();
    w.forEach((n, t) -> host.put(n, HostTensor.f32(t.shape(), t.values())));
    float[] bad = w.get("model.norm.weight").values().clone();
    bad[3] = Float.NaN;
    host.put("model.norm.weight", HostTensor.f32(new long[] {32}, bad));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), host, Map.of());
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(dir, m)) {
      assertThat(model.config()).isEqualTo(config);
    } finally {
      System.setErr(old);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("model.norm.weight").contains("NaN");
  }

  @Test
  void bertFamilyWritesAnEncoderCheckpointWithWordPieceTokenizer(@TempDir Path dir)
      throws IOException {
    ModelInit.write(ModelInit.encoderConfig(2, 32, 4, 400, 0, 64), 3, 0.02f, DType.F32, dir);
    assertThat(Files.readString(dir.resolve("config.json"))).contains("\"bert\"");
    try (Tokenizer tok = Tokenizer.fromDirectory(dir)) {
      assertThat(tok.vocabSize()).isEqualTo(400);
      assertThat(tok.encode("hello", true)[0]).isEqualTo(tok.tokenId("[CLS]").getAsLong());
    }
  }
}
