/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static io.persona4j.adapters.lora.LoraDecodeTest.ALL;
import static io.persona4j.adapters.lora.LoraDecodeTest.fullPass;
import static io.persona4j.adapters.lora.LoraDecodeTest.stepwise;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.kernel.PackedMatrix;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An unmerged, frozen LoRA adapter computed inside the decode kernel ({@link
 * LoraLinear#kernelDeltas}: no PyTorch op per adapted projection) equals the PyTorch LoRA path
 * within 1e-5 of max |logit|, through the KV cache and in padded batches, on F32 weights read in
 * place and on packed bf16/int8 weights.
 */
class LoraKernelDecodeTest {
  static final List<long[]> PROMPTS =
      List.of(new long[] {5, 9}, new long[] {1, 17, 42, 3, 59, 8, 23}, new long[] {44, 12, 30, 2});

  /** Adds adapter "u" (random A and B, seed 5), frozen, as serving loads adapters. */
  static LoraModel adapt(LlamaModel model, NDManager m) {
    LoraModel lora = LoraModel.of(model, m);
    lora.add("u", ALL, 1);
    TinyModels.randomize(lora, "u", 5);
    lora.setTrainable("u", false);
    return lora;
  }

  static void assertKernelTerms(LlamaModel model, boolean expected) {
    for (Linear l : model.linears().values()) {
      assertThat(l).isInstanceOf(LoraLinear.class);
      List<?> terms = ((LoraLinear) l).kernelDeltas();
      if (expected) {
        assertThat(terms).as(l.name()).hasSize(1);
      } else {
        assertThat(terms).as(l.name()).isNull();
      }
    }
  }

  static List<long[]> greedy(LlamaModel model) {
    GenerationResult r =
        new Generator(model)
            .generate(PROMPTS, SamplingConfig.greedy(8, Set.of()), TokenListener.NONE);
    return r.tokens();
  }

  @Test
  void f32KernelWithLoraEqualsPyTorchLoraStepsBatchesAndMerges() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel torch = TinyModels.llama(m);
        LlamaModel kernel = TinyModels.llama(m)) {
      kernel.useDecodeWeights(WeightPrecision.F32);
      float[] base = stepwise(torch, m);
      try (LoraModel lt = adapt(torch, m);
          LoraModel lk = adapt(kernel, m)) {
        // in-place LoRA terms from JDK 22 on; on JDK 21 the PyTorch LoRA path (documented)
        assertKernelTerms(kernel, PackedMatrix.f32ViewSupported());
        assertThat(PackedMatrix.f32ViewSupported()).isEqualTo(Runtime.version().feature() >= 22);
        float[] want = stepwise(torch, m); // PyTorch: base matmul + 4 ops per adapted projection
        long jvmSteps = kernel.decodeStepsInJvm();
        float[] got = stepwise(kernel, m); // whole steps in the JVM, LoRA terms inside the kernel
        assertThat(kernel.decodeStepsInJvm() > jvmSteps)
            .as("LoRA-active steps wholly in the JVM from JDK 22")
            .isEqualTo(PackedMatrix.f32ViewSupported());
        double tol = 1e-5 * Math.max(1, TinyModels.maxAbs(want));
        assertThat(TinyModels.maxAbsDiff(want, base)).isGreaterThan(0.1); // the adapter acts
        assertThat(TinyModels.maxAbsDiff(want, got)).isLessThan(tol);
        assertThat(TinyModels.maxAbsDiff(fullPass(torch, m), got)).isLessThan(tol);
        // padded batch of 3 rows (decode steps of 3 rows on the kernel)
        List<long[]> a = greedy(torch);
        List<long[]> b = greedy(kernel);
        for (int r = 0; r < PROMPTS.size(); r++) {
          assertThat(b.get(r)).as("row %d", r).containsExactly(a.get(r));
        }
        // merged in place into the F32 weights the kernel reads: the same function
        lk.merge();
        assertThat(kernel.linears().values())
            .allSatisfy(l -> assertThat(((LoraLinear) l).kernelDeltas()).isEmpty());
        assertThat(TinyModels.maxAbsDiff(want, stepwise(kernel, m))).isLessThan(tol);
        lk.unmerge();
        assertThat(TinyModels.maxAbsDiff(want, stepwise(kernel, m))).isLessThan(tol);
        // a trainable adapter stays on PyTorch (its gradients need the graph)
        lk.setTrainable("u", true);
        assertKernelTerms(kernel, false);
        long before = kernel.decodeStepsInJvm();
        assertThat(TinyModels.maxAbsDiff(want, stepwise(kernel, m))).isLessThan(tol);
        assertThat(kernel.decodeStepsInJvm()).as("trainable: PyTorch steps").isEqualTo(before);
      }
    }
  }

  @Test
  void packedKernelWithLoraEqualsPyTorchDeltasOnTheSameWeights() throws Exception {
    for (WeightPrecision p : new WeightPrecision[] {WeightPrecision.BF16, WeightPrecision.INT8}) {
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel model = TinyModels.llama(m)) {
        model.useDecodeWeights(p);
        try (LoraModel lora = adapt(model, m)) {
          assertKernelTerms(model, PackedMatrix.f32ViewSupported()); // JDK 21: PyTorch deltas
          long jvmSteps = model.decodeStepsInJvm();
          float[] got = stepwise(model, m); // packed kernel with the LoRA terms inside
          assertThat(model.decodeStepsInJvm() > jvmSteps)
              .as("%s steps wholly in the JVM from JDK 22", p)
              .isEqualTo(PackedMatrix.f32ViewSupported());
          List<long[]> batched = greedy(model);
          lora.train(true); // no dropout: separate projections, PyTorch LoRA deltas
          assertKernelTerms(model, false);
          float[] want = stepwise(model, m);
          List<long[]> wantBatched = greedy(model);
          lora.train(false);
          assertThat(TinyModels.maxAbsDiff(want, got))
              .as("%s", p)
              .isLessThan(1e-5 * Math.max(1, TinyModels.maxAbs(want)));
          for (int r = 0; r < PROMPTS.size(); r++) {
            assertThat(batched.get(r)).as("%s row %d", p, r).containsExactly(wantBatched.get(r));
          }
        }
      }
    }
  }
}
