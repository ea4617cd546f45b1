/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.TinyConfigs;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LlamaModelTest {
  static Stream<LlamaConfig> configs() {
    return TinyConfigs.all().stream();
  }

  static long[] randomIds(long seed, int n, int vocab) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }

  @ParameterizedTest
  @MethodSource("configs")
  void logitsMatchNaiveDoublePrecisionReference(LlamaConfig config) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 7, 0.2f);
    long[] ids = randomIds(3, 11, config.vocabSize());
    double[][] expected = new NaiveLlama(config, w).logits(ids);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      NDArray logits = model.logits(m.create(ids, new Shape(1, ids.length)), null);
      assertThat(logits.getShape()).isEqualTo(new Shape(1, ids.length, config.vocabSize()));
      float[] got = logits.toFloatArray();
      double maxDiff = 0;
      double scale = 0;
      for (int t = 0; t < ids.length; t++) {
        for (int v = 0; v < config.vocabSize(); v++) {
          double e = expected[t][v];
          maxDiff = Math.max(maxDiff, Math.abs(e - got[t * config.vocabSize() + v]));
          scale = Math.max(scale, Math.abs(e));
        }
      }
      assertThat(scale).as("logits must not be trivially small").isGreaterThan(0.5);
      assertThat(maxDiff / scale).as("max |diff| relative to logit scale").isLessThan(1e-5);
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void kvCacheDecodingEqualsFullRecomputation(LlamaConfig config) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 11, 0.2f);
    long[] ids = randomIds(5, 12, config.vocabSize());
    int v = config.vocabSize();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      float[] full = model.logits(m.create(ids, new Shape(1, ids.length)), null).toFloatArray();
      try (KvCache cache = model.newCache(m, 1, ids.length)) {
        // a 4-token prefill, then one token at a time
        int prefill = 4;
        boolean[][] valid = {new boolean[ids.length]};
        java.util.Arrays.fill(valid[0], true);
        for (int start = 0; start < ids.length; ) {
          int t = start == 0 ? prefill : 1;
          long[] chunk = java.util.Arrays.copyOfRange(ids, start, start + t);
          long[] pos = new long[t];
          for (int i = 0; i < t; i++) {
            pos[i] = start + i;
          }
          boolean[][] keys = {java.util.Arrays.copyOf(valid[0], start + t)};
          NDArray mask = AttentionMask.causal(keys, cache.length(), t, config.attentionWindow(), m);
          NDArray h =
              model.hidden(
                  model.embed(m.create(chunk, new Shape(1, t))),
                  m.create(pos, new Shape(1, t)),
                  mask,
                  cache);
          float[] step = model.lmHead(h).toFloatArray();
          for (int i = 0; i < t; i++) {
            for (int k = 0; k < v; k++) {
              assertThat(step[i * v + k])
                  .as("position %d token %d", start + i, k)
                  .isCloseTo(full[(start + i) * v + k], org.assertj.core.data.Offset.offset(2e-5f));
            }
          }
          start += t;
        }
        assertThat(cache.length()).isEqualTo(ids.length);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void leftPaddedBatchEqualsEachSequenceAlone(LlamaConfig config) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 13, 0.2f);
    long[][] seqs = {
      randomIds(1, 9, config.vocabSize()),
      randomIds(2, 4, config.vocabSize()),
      randomIds(3, 7, config.vocabSize())
    };
    int t = 9;
    int v = config.vocabSize();
    long[] ids = new long[3 * t];
    long[] mask = new long[3 * t];
    for (int r = 0; r < 3; r++) {
      int pad = t - seqs[r].length;
      for (int c = 0; c < t; c++) {
        ids[r * t + c] = c < pad ? 0 : seqs[r][c - pad];
        mask[r * t + c] = c < pad ? 0 : 1;
      }
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      NDArray batched =
          model.logits(m.create(ids, new Shape(3, t)), m.create(mask, new Shape(3, t)));
      for (int r = 0; r < 3; r++) {
        int n = seqs[r].length;
        float[] alone = model.logits(m.create(seqs[r], new Shape(1, n)), null).toFloatArray();
        float[] row =
            batched.get(new NDIndex("{}, {}:, :", r, t - n)).toFloatArray(); // real positions
        assertThat(row.length).isEqualTo(n * v);
        for (int i = 0; i < row.length; i++) {
          assertThat(row[i]).isCloseTo(alone[i], org.assertj.core.data.Offset.offset(2e-5f));
        }
      }
    }
  }

  @Test
  void forwardKeepsNoTemporariesOnTheCallersManager() throws IOException {
    LlamaConfig config = TinyConfigs.llamaGqa();
    Map<String, FloatTensor> w = RandomWeights.llama(config, 1, 0.2f);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m);
        NDManager caller = m.newSubManager()) {
      NDArray ids = caller.create(new long[] {1, 2, 3}, new Shape(1, 3));
      int before = caller.getManagedArrays().size();
      NDArray logits = model.logits(ids, null);
      assertThat(caller.getManagedArrays()).contains(logits);
      assertThat(caller.getManagedArrays().size()).isEqualTo(before + 1);
    }
  }

  @Test
  void wrongShapeMissingTensorAndBadIdsFailWithClearMessages() {
    LlamaConfig config = TinyConfigs.llamaGqa();
    Map<String, FloatTensor> w = new LinkedHashMap<>(RandomWeights.llama(config, 1, 0.2f));
    String name = "model.layers.1.self_attn.k_proj.weight";
    w.put(name, new FloatTensor(new long[] {16, 31}, new float[16 * 31]));
    try (NDManager m = TensorRuntime.newManager()) {
      assertThatThrownBy(() -> LlamaModel.load(config, WeightSource.ofFloats("ckpt", w), m))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ckpt")
          .hasMessageContaining(name)
          .hasMessageContaining("(16, 31)")
          .hasMessageContaining("(16, 32)");
      w.remove(name);
      assertThatThrownBy(() -> LlamaModel.load(config, WeightSource.ofFloats("ckpt", w), m))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("missing tensor '" + name + "'");
    }
  }

  @Test
  void outOfVocabularyIdsAreRejected() throws IOException {
    LlamaConfig config = TinyConfigs.llamaGqa();
    Map<String, FloatTensor> w = RandomWeights.llama(config, 1, 0.2f);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(config, WeightSource.ofFloats("random", w), m)) {
      assertThatThrownBy(() -> model.logits(m.create(new long[] {1, 97}, new Shape(1, 2)), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("out of range [0, 97)");
    }
  }
}
