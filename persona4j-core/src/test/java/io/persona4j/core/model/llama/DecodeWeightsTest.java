/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.TinyConfigs;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reduced-precision decode weights ({@link LlamaModel#useDecodeWeights}) on the tiny test models:
 * the Java kernel computes what PyTorch computes on the same rounded weights, and the rounded model
 * stays close to the F32 one.
 */
class DecodeWeightsTest {
  static NDManager manager;

  /** Names the configs for the parameterized tests. */
  record Case(String name, LlamaConfig config) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Case> configs() {
    return List.of(
        new Case("llama-gqa-untied", TinyConfigs.llamaGqa()),
        new Case("qwen2-tied-bias", TinyConfigs.qwen2()),
        new Case("llama3-mqa-hd16", TinyConfigs.llama3Scaled()));
  }

  static List<Arguments> cases() {
    return configs().stream()
        .flatMap(
            c ->
                java.util.stream.Stream.of(
                    Arguments.of(c, WeightPrecision.BF16), Arguments.of(c, WeightPrecision.INT8)))
        .toList();
  }

  @BeforeAll
  static void open() {
    manager = TensorRuntime.newManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static LlamaModel load(LlamaConfig config, WeightPrecision precision) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(config, 5, 0.35f);
    LlamaModel m = LlamaModel.load(config, WeightSource.ofFloats("random", w), manager);
    m.useDecodeWeights(precision);
    return m;
  }

  static long[] prompt(LlamaConfig config, int length, int seed) {
    long[] ids = new long[length];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    for (int i = 0; i < length; i++) {
      ids[i] = 1 + rnd.nextInt(config.vocabSize() - 1);
    }
    return ids;
  }

  /** Logits of every position of one sequence in one pass (PyTorch: more than 8 rows). */
  static float[] fullPass(LlamaModel model, long[] ids) {
    try (NDManager m = manager.newSubManager()) {
      return model.logits(m.create(ids, new Shape(1, ids.length)), null).toFloatArray();
    }
  }

  /** Logits of every position fed one token at a time through the KV cache (1 row per step). */
  static float[] stepwise(LlamaModel model, long[] ids) {
    int v = model.config().vocabSize();
    float[] out = new float[ids.length * v];
    try (NDManager m = manager.newSubManager();
        KvCache cache = model.newCache(m, 1, ids.length)) {
      for (int i = 0; i < ids.length; i++) {
        try (NDManager s = m.newSubManager()) {
          NDArray e = model.embed(s.create(new long[] {ids[i]}, new Shape(1, 1))); // [1, 1, H]
          NDArray pos = s.create(new long[] {i}, new Shape(1, 1)); // [1, 1]
          NDArray h = model.hidden(e, pos, null, cache); // [1, 1, H]
          float[] l = model.lmHead(h.get(new NDIndex(":, -1, :"))).toFloatArray(); // [V]
          System.arraycopy(l, 0, out, i * v, v);
        }
      }
    }
    return out;
  }

  static float maxAbs(float[] x) {
    float m = 0;
    for (float f : x) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }

  static float maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void kernelStepsEqualPyTorchOnTheSameRoundedWeights(Case c, WeightPrecision p)
      throws IOException {
    try (LlamaModel q = load(c.config(), p)) {
      assertThat(q.decodePrecision()).isEqualTo(p);
      long[] ids = prompt(c.config(), 12, 3);
      float[] torch = fullPass(q, ids); // 12 rows per projection: PyTorch
      float[] kernel = stepwise(q, ids); // 1 row per projection: the Vector API kernel
      float diff = maxAbsDiff(torch, kernel);
      System.out.printf(
          "%s %s kernel vs torch: max |diff| %.3g of max |logit| %.3g%n",
          c, p, diff, maxAbs(torch));
      assertThat(diff).isLessThanOrEqualTo(1e-5f * Math.max(1f, maxAbs(torch)));
    }
  }

  /**
   * Bound on max |logit difference| / max |logit| of the rounded model vs F32 over 25 positions.
   * Measured on these three tiny models (hidden 24-32, where rounding errors average out far less
   * than in real models) and three prompts each: BF16 at most 0.040, INT8 at most 0.131 (qwen2,
   * whose tied embedding is rounded with the LM head).
   */
  static float tolerance(WeightPrecision p) {
    return p == WeightPrecision.BF16 ? 0.06f : 0.2f;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void reducedPrecisionStaysCloseToF32AndPicksTheSameTokensExceptAtNearTies(
      Case c, WeightPrecision p) throws IOException {
    try (LlamaModel f = load(c.config(), WeightPrecision.F32);
        LlamaModel q = load(c.config(), p)) {
      int v = c.config().vocabSize();
      for (int seed = 1; seed <= 3; seed++) {
        // the F32 model's greedy continuation, then both models on that same sequence
        long[] prompt = prompt(c.config(), 4 + seed, seed);
        long[] gen =
            new Generator(f)
                .generate(List.of(prompt), SamplingConfig.greedy(20, Set.of()), TokenListener.NONE)
                .tokens()
                .get(0);
        long[] seq = java.util.Arrays.copyOf(prompt, prompt.length + gen.length);
        System.arraycopy(gen, 0, seq, prompt.length, gen.length);
        float[] ref = fullPass(f, seq);
        float[] got = stepwise(q, seq); // the kernel, with the KV cache
        float err = maxAbsDiff(ref, got);
        assertThat(err / maxAbs(ref))
            .as("%s %s relative logit error", c, p)
            .isLessThan(tolerance(p));
        int agree = 0;
        int steps = 0;
        for (int pos = prompt.length - 1; pos < seq.length - 1; pos++, steps++) {
          float[] a = java.util.Arrays.copyOfRange(ref, pos * v, (pos + 1) * v);
          float[] b = java.util.Arrays.copyOfRange(got, pos * v, (pos + 1) * v);
          int ta = argmax(a);
          if (ta == argmax(b)) {
            agree++;
          } else {
            // a different pick only where F32's top two are closer than twice the logit error
            assertThat(margin(a)).as("%s %s position %d", c, p, pos).isLessThanOrEqualTo(2 * err);
          }
        }
        System.out.printf(
            "%s %s seed %d: rel err %.3g, same greedy pick at %d of %d steps%n",
            c, p, seed, err / maxAbs(ref), agree, steps);
        assertThat(agree).as("%s %s same greedy picks", c, p).isGreaterThanOrEqualTo(steps * 3 / 4);
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void paddedBatchOnPackedWeightsEqualsEachPromptAlone(Case c, WeightPrecision p)
      throws IOException {
    try (LlamaModel q = load(c.config(), p)) {
      // decode steps of 3 rows (the kernel with n = 3), left padding masked; alone: 1 row
      List<long[]> prompts =
          List.of(prompt(c.config(), 2, 11), prompt(c.config(), 7, 12), prompt(c.config(), 4, 13));
      SamplingConfig greedy = SamplingConfig.greedy(10, Set.of());
      GenerationResult batch = new Generator(q).generate(prompts, greedy, TokenListener.NONE);
      for (int r = 0; r < prompts.size(); r++) {
        GenerationResult alone =
            new Generator(q).generate(List.of(prompts.get(r)), greedy, TokenListener.NONE);
        assertThat(batch.tokens().get(r))
            .as("%s %s row %d", c, p, r)
            .containsExactly(alone.tokens().get(0));
      }
    }
  }

  static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Top-1 minus top-2 logit. */
  static float margin(float[] x) {
    float[] s = x.clone();
    java.util.Arrays.sort(s);
    return s[s.length - 1] - s[s.length - 2];
  }
}
