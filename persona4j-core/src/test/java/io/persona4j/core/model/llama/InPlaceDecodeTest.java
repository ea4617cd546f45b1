/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static io.persona4j.core.model.llama.DecodeWeightsTest.fullPass;
import static io.persona4j.core.model.llama.DecodeWeightsTest.maxAbs;
import static io.persona4j.core.model.llama.DecodeWeightsTest.maxAbsDiff;
import static io.persona4j.core.model.llama.DecodeWeightsTest.prompt;
import static io.persona4j.core.model.llama.DecodeWeightsTest.stepwise;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.kernel.PackedMatrix;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * F32 decode on the Java kernel reading PyTorch's weights in place ({@code useDecodeWeights(F32)})
 * equals the PyTorch path on the same model: stepwise through the KV cache, padded batches, and
 * after the weights change in place. On a JDK 21 runtime {@code useDecodeWeights(F32)} documentedly
 * falls back to PyTorch (no kernel, same logits): the same tests check that there.
 */
class InPlaceDecodeTest {
  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = TensorRuntime.newManager();
    DecodeWeightsTest.manager = manager;
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static List<DecodeWeightsTest.Case> configs() {
    return DecodeWeightsTest.configs();
  }

  static LlamaModel load(DecodeWeightsTest.Case c, boolean kernel) throws IOException {
    Map<String, FloatTensor> w = RandomWeights.llama(c.config(), 5, 0.35f);
    LlamaModel m = LlamaModel.load(c.config(), WeightSource.ofFloats("random", w), manager);
    if (kernel) {
      m.useDecodeWeights(WeightPrecision.F32);
    }
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void kernelStepsEqualPyTorchStepsWithoutACopyOfTheWeights(DecodeWeightsTest.Case c)
      throws IOException {
    try (LlamaModel torch = load(c, false);
        LlamaModel kernel = load(c, true)) {
      boolean inPlace = Runtime.version().feature() >= 22; // on JDK 21: the PyTorch fallback
      assertThat(PackedMatrix.f32ViewSupported()).isEqualTo(inPlace);
      assertThat(kernel.usesDecodeKernel()).as("kernel from JDK 22").isEqualTo(inPlace);
      assertThat(torch.usesDecodeKernel()).isFalse();
      assertThat(kernel.decodePrecision()).isEqualTo(WeightPrecision.F32);
      for (Linear l : kernel.linears().values()) { // read in place: no packed copy
        assertThat(l.usesDecodeKernel()).as(l.name()).isEqualTo(inPlace);
        assertThat(l.hasDecodeWeights()).as(l.name()).isFalse();
      }
      long[] ids = prompt(c.config(), 12, 3);
      float[] ref = stepwise(torch, ids);
      float[] got = stepwise(kernel, ids); // 1 row per step: the whole step in the JVM
      assertThat(kernel.decodeStepsInJvm()).isEqualTo(inPlace ? ids.length : 0);
      assertThat(torch.decodeStepsInJvm()).isZero();
      float tol = 1e-5f * Math.max(1f, maxAbs(ref));
      System.out.printf(
          "%s F32 kernel vs torch steps: max |diff| %.3g of max |logit| %.3g%n",
          c, maxAbsDiff(ref, got), maxAbs(ref));
      assertThat(maxAbsDiff(ref, got)).isLessThanOrEqualTo(tol);
      assertThat(maxAbsDiff(fullPass(torch, ids), got)).isLessThanOrEqualTo(tol);
      // in-place changes of the weights (a merge, a training step) reach the kernel's next step
      for (LlamaModel m : List.of(torch, kernel)) {
        m.layers().get(0).linear(LlamaLayer.Proj.V).weight().muli(1.5f);
        m.lmHeadLinear().weight().muli(0.5f);
      }
      float[] ref2 = stepwise(torch, ids);
      assertThat(maxAbsDiff(ref2, ref)).isGreaterThan(10 * tol);
      assertThat(maxAbsDiff(ref2, stepwise(kernel, ids))).isLessThanOrEqualTo(tol);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void paddedBatchOnTheKernelPicksWhatPyTorchPicks(DecodeWeightsTest.Case c) throws IOException {
    try (LlamaModel torch = load(c, false);
        LlamaModel kernel = load(c, true)) {
      // decode steps of 3 rows (the kernel with n = 3), left padding masked
      List<long[]> prompts =
          List.of(prompt(c.config(), 2, 11), prompt(c.config(), 7, 12), prompt(c.config(), 4, 13));
      SamplingConfig greedy = SamplingConfig.greedy(10, Set.of());
      GenerationResult want = new Generator(torch).generate(prompts, greedy, TokenListener.NONE);
      GenerationResult got = new Generator(kernel).generate(prompts, greedy, TokenListener.NONE);
      for (int r = 0; r < prompts.size(); r++) {
        assertThat(got.tokens().get(r)).as("%s row %d", c, r).containsExactly(want.tokens().get(r));
      }
    }
  }
}
