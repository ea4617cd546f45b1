/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.config.RopeScaling;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.TinyCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of {@link LlamaModel} with an independent implementation, Jlama 0.8.4, on tiny random F32
 * checkpoints written to disk and loaded by both.
 *
 * <p>Jlama's {@code AbstractModel.getLogits} returns softmax <em>probabilities</em>, so this test
 * compares {@code log(p_jlama)} with our {@code log_softmax(logits)} (computed in double), at every
 * position of several prompts, and requires {@code max |diff| <= 1e-3 * (max logit - min logit)}.
 * Measured: about 1e-6 of the logit range.
 *
 * <p>What Jlama cannot check, and why (see {@link #jlamaIgnoresLlama3RopeScaling}): Llama 3 {@code
 * rope_scaling} (Jlama's {@code LlamaConfig} applies only {@code rope_type: linear}, other kinds
 * silently mean no scaling), an explicit {@code head_dim} (Jlama uses hidden/heads), Llama's {@code
 * attention_bias} (Jlama's {@code LlamaModel} loads no attention biases) and sliding-window
 * attention. Those are covered by {@link NaiveLlama} in {@link LlamaModelTest}.
 */
class JlamaParityTest {
  /** Relative tolerance asked for: |log p diff| over the logit range. */
  static final double TOLERANCE = 1e-3;

  static final int[] PROMPT_LENGTHS = {1, 4, 11, 29};

  /** Standard deviation of the random weights (large enough for a logit range of ~10). */
  static final float STD = 0.25f;

  @TempDir static Path tmp;

  static LlamaConfig config(
      String type, int heads, int kvHeads, boolean tied, double theta, RopeScaling scaling) {
    return new LlamaConfig(
        type,
        288, // vocab (ModelInit writes a byte-level BPE tokenizer: >= 260)
        64, // hidden
        112, // intermediate
        2, // layers
        heads,
        kvHeads,
        null,
        1e-5,
        theta,
        scaling,
        128, // max positions
        tied,
        null,
        false,
        "silu",
        1,
        List.of(2),
        null,
        null,
        type.equals("qwen2") ? false : null,
        null,
        null);
  }

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("llama, GQA 4q/2kv, untied", config("llama", 4, 2, false, 10000, null)),
        Arguments.of(
            "llama, MHA, tied, linear rope x2",
            config(
                "llama",
                4,
                4,
                true,
                10000,
                new RopeScaling("linear", null, 2.0, null, null, null))),
        Arguments.of("qwen2, GQA 4q/2kv, qkv bias, tied", config("qwen2", 4, 2, true, 1e6, null)),
        Arguments.of(
            "qwen2, MQA 4q/1kv, qkv bias, untied", config("qwen2", 4, 1, false, 1e6, null)));
  }

  /** Both engines on one checkpoint directory. */
  static final class Pair implements AutoCloseable {
    final NDManager manager = TensorRuntime.newManager();
    final LlamaConfig config;
    final LlamaModel ours;
    final AbstractModel jlama;

    /** Writes a checkpoint of {@code RandomWeights.llama(config, seed, STD)}; both load it. */
    Pair(String name, LlamaConfig config, long seed) throws IOException {
      Path dir = tmp.resolve(name.replaceAll("[^a-zA-Z0-9]+", "_"));
      TinyCheckpoint.write(dir, config, seed, STD);
      this.config = (LlamaConfig) ModelConfigs.load(dir); // the config as written to disk
      this.ours = LlamaModel.load(dir, manager); // through the safetensors reader
      this.jlama = ModelSupport.loadModel(dir.toFile(), DType.F32, DType.F32);
    }

    /** Our logits of every position of one sequence: {@code [T][V]}. */
    float[][] ourLogits(long[] ids) {
      try (NDManager m = manager.newSubManager()) {
        float[] flat = ours.logits(m.create(ids, new Shape(1, ids.length)), null).toFloatArray();
        float[][] rows = new float[ids.length][];
        int v = config.vocabSize();
        for (int t = 0; t < ids.length; t++) {
          rows[t] = Arrays.copyOfRange(flat, t * v, (t + 1) * v);
        }
        return rows;
      }
    }

    /** Jlama's next-token probabilities of every position of one sequence: {@code [T][V]}. */
    float[][] jlamaProbabilities(long[] ids) {
      int[] tokens = Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
      try (KvBufferCache.KvBuffer kv = new KvBufferCache(jlama).getEphemeralKvBuffer();
          AbstractTensor out = jlama.batchForward(tokens, 0, kv)) {
        float[][] rows = new float[ids.length][];
        for (int t = 0; t < ids.length; t++) {
          rows[t] = jlama.getLogits(out.slice(t));
        }
        return rows;
      }
    }

    /** Greedy decoding with Jlama: batched prompt pass, then one token at a time. */
    long[] jlamaGreedy(long[] prompt, int n) {
      int[] tokens = Arrays.stream(prompt).mapToInt(Math::toIntExact).toArray();
      long[] out = new long[n];
      try (KvBufferCache.KvBuffer kv = new KvBufferCache(jlama).getEphemeralKvBuffer();
          AbstractTensor scratch = jlama.makeDenseTensor(config.vocabSize())) {
        AbstractTensor h = jlama.batchForward(tokens, 0, kv);
        int next = jlama.sample(h.slice(tokens.length - 1), 0f, 0f, scratch);
        h.close();
        for (int i = 0; i < n; i++) {
          out[i] = next;
          if (i + 1 < n) {
            h = jlama.forward(next, tokens.length + i, kv, java.util.Optional.empty());
            next = jlama.sample(h, 0f, 0f, scratch);
            h.close();
          }
        }
      }
      return out;
    }

    @Override
    public void close() throws IOException {
      jlama.close();
      ours.close();
      manager.close();
    }
  }

  /** max over positions and tokens of |log p_jlama - log_softmax(ours)|, relative to the range. */
  static double[] compare(float[][] ourLogits, float[][] jlamaProbs) {
    double maxDiff = 0;
    double maxProbDiff = 0;
    double range = 0;
    for (int t = 0; t < ourLogits.length; t++) {
      double[] logp = logSoftmax(ourLogits[t]);
      float[] p = jlamaProbs[t];
      assertThat(p).hasSameSizeAs(logp);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < p.length; v++) {
        assertThat(p[v])
            .as("Jlama probability underflow at position %d token %d", t, v)
            .isPositive();
        maxDiff = Math.max(maxDiff, Math.abs(Math.log(p[v]) - logp[v]));
        maxProbDiff = Math.max(maxProbDiff, Math.abs(p[v] - Math.exp(logp[v])));
        min = Math.min(min, ourLogits[t][v]);
        max = Math.max(max, ourLogits[t][v]);
      }
      range = Math.max(range, max - min);
    }
    return new double[] {maxDiff, range, maxProbDiff};
  }

  static double[] logSoftmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : logits) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (float x : logits) {
      sum += Math.exp(x - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = logits[i] - lse;
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void nextTokenDistributionsMatchJlama(String name, LlamaConfig config) throws IOException {
    try (Pair pair = new Pair(name, config, 17)) {
      double worst = 0;
      for (int i = 0; i < PROMPT_LENGTHS.length; i++) {
        long[] ids = LlamaModelTest.randomIds(100 + i, PROMPT_LENGTHS[i], config.vocabSize());
        double[] d = compare(pair.ourLogits(ids), pair.jlamaProbabilities(ids));
        double rel = d[0] / d[1];
        System.out.printf(
            "parity %-38s T=%2d  max|dlogp|=%.2e  logit range=%.2f  rel=%.2e  max|dp|=%.2e%n",
            name, ids.length, d[0], d[1], rel, d[2]);
        assertThat(d[1]).as("logit range must not be trivially small").isGreaterThan(1.0);
        assertThat(rel)
            .as("%s, T=%d: max |log p diff| / logit range", name, ids.length)
            .isLessThanOrEqualTo(TOLERANCE);
        worst = Math.max(worst, rel);
      }
      assertThat(worst).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void greedyGenerationMatchesJlama(String name, LlamaConfig config) throws IOException {
    try (Pair pair = new Pair(name, config, 23)) {
      long[] prompt = LlamaModelTest.randomIds(7, 9, config.vocabSize());
      int n = 12;
      GenerationResult r =
          new Generator(pair.ours)
              .generate(List.of(prompt), SamplingConfig.greedy(n, Set.of()), TokenListener.NONE);
      long[] ours = r.tokens().get(0);
      long[] theirs = pair.jlamaGreedy(prompt, n);
      System.out.printf(
          "greedy %-38s ours=%s jlama=%s%n", name, Arrays.toString(ours), Arrays.toString(theirs));
      assertThat(ours).as(name).containsExactly(theirs);
      assertThat(Arrays.stream(ours).distinct().count())
          .as("the continuation should not be one repeated token")
          .isGreaterThan(1);
    }
  }

  /**
   * Jlama 0.8.4 reads {@code rope_scaling} only when {@code rope_type} is {@code linear}; a Llama 3
   * scaling block is accepted and ignored. So for a Llama 3 config Jlama computes what our model
   * computes <em>without</em> the scaling, and differs from our (correctly scaled) model; the
   * scaled model itself is checked against {@link NaiveLlama}.
   */
  @Test
  void jlamaIgnoresLlama3RopeScaling() throws IOException {
    RopeScaling llama3 = RopeScaling.llama3(8.0, 1.0, 4.0, 16);
    LlamaConfig scaled = config("llama", 4, 2, false, 500000.0, llama3);
    LlamaConfig unscaled = config("llama", 4, 2, false, 500000.0, null);
    long[] ids = LlamaModelTest.randomIds(5, 29, scaled.vocabSize());
    try (Pair s = new Pair("llama3-scaled", scaled, 31);
        Pair u = new Pair("llama3-unscaled", unscaled, 31)) {
      float[][] jlama = s.jlamaProbabilities(ids);
      double[] vsUnscaled = compare(u.ourLogits(ids), jlama);
      double[] vsScaled = compare(s.ourLogits(ids), jlama);
      assertThat(vsUnscaled[0] / vsUnscaled[1]).isLessThanOrEqualTo(TOLERANCE);
      assertThat(vsScaled[0] / vsScaled[1]).isGreaterThan(10 * TOLERANCE);

      // Our scaled model against the double-precision reference instead.
      double[][] expected =
          new NaiveLlama(scaled, RandomWeights.llama(scaled, 31, STD)).logits(ids);
      float[][] got = s.ourLogits(ids);
      double maxDiff = 0;
      double scale = 0;
      for (int t = 0; t < ids.length; t++) {
        for (int v = 0; v < scaled.vocabSize(); v++) {
          maxDiff = Math.max(maxDiff, Math.abs(expected[t][v] - got[t][v]));
          scale = Math.max(scale, Math.abs(expected[t][v]));
        }
      }
      assertThat(maxDiff / scale).isLessThan(1e-5);
    }
  }
}
