/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static io.persona4j.core.model.llama.DecodeWeightsTest.maxAbs;
import static io.persona4j.core.model.llama.DecodeWeightsTest.maxAbsDiff;
import static io.persona4j.core.model.llama.DecodeWeightsTest.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.kernel.CachedAttention;
import io.persona4j.core.kernel.PackedMatrix;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decode steps wholly in the JVM ({@link LayerKernel#step}: every block, attention over the KV
 * cache and the cache writes on the kernel) equal PyTorch's steps on the same weights: a
 * left-padded batch of 3 prompts (masked slots), GQA / MQA / biased q/k/v, F32 / BF16 / INT8,
 * teacher-forced through the cache for 8 steps. The reference is the same model on a batch of 9
 * rows (more than the kernel's 8: PyTorch), whose first 3 rows are the same sequences with the same
 * padding. On a JDK 21 runtime the step stays on PyTorch (documented) and must give the same
 * logits.
 */
class KernelStepTest {
  static NDManager manager;
  static final int STEPS = 8;

  @BeforeAll
  static void open() {
    manager = TensorRuntime.newManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static List<Arguments> cases() {
    return DecodeWeightsTest.configs().stream()
        .flatMap(c -> Stream.of(WeightPrecision.values()).map(p -> Arguments.of(c, p)))
        .toList();
  }

  /**
   * Logits {@code [steps + 1][rows][V]} of the last prompt position and of each teacher-forced
   * step, for the first {@code keep} rows of a batch of {@code prompts} (left-padded).
   */
  static float[][][] run(LlamaModel model, List<long[]> prompts, long[][] forced, int keep) {
    return run(model, prompts, forced, keep, () -> {});
  }

  /** As above, calling {@code beforeLastStep} before the last teacher-forced step. */
  static float[][][] run(
      LlamaModel model, List<long[]> prompts, long[][] forced, int keep, Runnable beforeLastStep) {
    int b = prompts.size();
    int p = prompts.stream().mapToInt(x -> x.length).max().orElseThrow();
    int v = model.config().vocabSize();
    int s = p + forced[0].length;
    boolean[][] valid = new boolean[b][s];
    long[] ids = new long[b * p];
    long[] next = new long[b];
    for (int r = 0; r < b; r++) {
      long[] x = prompts.get(r);
      for (int c = 0; c < x.length; c++) {
        ids[r * p + p - x.length + c] = x[c];
        valid[r][p - x.length + c] = true;
      }
      next[r] = x.length;
    }
    float[][][] out = new float[forced[0].length + 1][keep][];
    try (NDManager m = manager.newSubManager();
        KvCache cache = model.newCache(m, b, s)) {
      boolean[][] pv = new boolean[b][];
      for (int r = 0; r < b; r++) {
        pv[r] = Arrays.copyOf(valid[r], p);
      }
      long[] pos = LlamaModel.positionsFrom(pv);
      for (int i = 0; i <= forced[0].length; i++) {
        if (i == forced[0].length) {
          beforeLastStep.run();
        }
        try (NDManager sm = m.newSubManager()) {
          int t = i == 0 ? p : 1;
          long[] stepIds = new long[b * t];
          long[] stepPos = new long[b * t];
          if (i == 0) {
            stepIds = ids;
            stepPos = pos;
          } else {
            for (int r = 0; r < b; r++) {
              stepIds[r] = forced[r][i - 1];
              stepPos[r] = next[r]++;
              valid[r][p + i - 1] = true;
            }
          }
          boolean[][] keys = new boolean[b][];
          for (int r = 0; r < b; r++) {
            keys[r] = Arrays.copyOf(valid[r], cache.length() + t);
          }
          NDArray mask =
              AttentionMask.causal(
                  keys, cache.length(), t, model.config().attentionWindow(), sm); // [B,1,T,S]
          NDArray e = model.embed(sm.create(stepIds, new Shape(b, t))); // [B, T, H]
          NDArray h = model.hidden(e, sm.create(stepPos, new Shape(b, t)), mask, cache);
          float[] l = model.lmHead(h).toFloatArray(); // [B, T, V]
          for (int r = 0; r < keep; r++) {
            int at = (r * t + t - 1) * v;
            out[i][r] = Arrays.copyOfRange(l, at, at + v);
          }
        }
      }
    }
    return out;
  }

  static float[] flat(float[][][] x) {
    int n = 0;
    for (float[][] step : x) {
      for (float[] row : step) {
        n += row.length;
      }
    }
    float[] out = new float[n];
    int at = 0;
    for (float[][] step : x) {
      for (float[] row : step) {
        System.arraycopy(row, 0, out, at, row.length);
        at += row.length;
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void jvmStepsEqualPyTorchStepsThroughTheCacheWithPadding(
      DecodeWeightsTest.Case c, WeightPrecision precision) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(c.config(), 5, 0.35f);
    try (LlamaModel model =
        LlamaModel.load(c.config(), WeightSource.ofFloats("random", w), manager)) {
      model.useDecodeWeights(precision);
      List<long[]> prompts =
          List.of(prompt(c.config(), 3, 21), prompt(c.config(), 9, 22), prompt(c.config(), 6, 23));
      long[][] forced = new long[PackedMatrix.MAX_DECODE_ROWS + 1][];
      for (int r = 0; r < forced.length; r++) {
        forced[r] = prompt(c.config(), STEPS, 40 + r % 3);
      }
      // the reference: 9 rows (PyTorch), rows 3-8 repeat the prompts (no longer than row 1's)
      List<long[]> nine = new ArrayList<>(prompts);
      nine.addAll(prompts);
      nine.addAll(prompts);
      long before = model.decodeStepsInJvm();
      float[][][] want = run(model, nine, forced, 3);
      assertThat(model.decodeStepsInJvm()).as("9 rows stay on PyTorch").isEqualTo(before);
      // F32: the last step on PyTorch (a trained weight), reading the keys and values that the
      // JVM steps wrote into the cache: both sides see the same cache memory
      boolean last = precision == WeightPrecision.F32;
      NDArray o = model.layers().get(0).linear(LlamaLayer.Proj.O).weight();
      float[][][] got =
          run(
              model,
              prompts,
              Arrays.copyOf(forced, 3),
              3,
              () -> {
                if (last) {
                  o.setRequiresGradient(true);
                }
              });
      if (last) {
        o.setRequiresGradient(false);
      }
      boolean jvm = CachedAttention.supported(); // JDK >= 22; JDK 21: PyTorch (documented)
      assertThat(jvm).isEqualTo(Runtime.version().feature() >= 22);
      assertThat(model.decodeStepsInJvm() - before)
          .as("decode steps wholly in the JVM")
          .isEqualTo(jvm ? (last ? STEPS - 1 : STEPS) : 0);
      float[] a = flat(want);
      float[] b = flat(got);
      float tol = 1e-5f * Math.max(1f, maxAbs(a));
      System.out.printf(
          "%s %s JVM steps vs PyTorch: max |diff| %.3g of max |logit| %.3g%n",
          c, precision, maxAbsDiff(a, b), maxAbs(a));
      assertThat(maxAbsDiff(a, b)).isLessThanOrEqualTo(tol);
      // the padded rows differ from each other (the test compares distinct sequences)
      assertThat(maxAbsDiff(got[STEPS][0], got[STEPS][1])).isGreaterThan(100 * tol);
    }
  }
}
