/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaLayer;
import io.persona4j.core.model.llama.LlamaModel;
import org.junit.jupiter.api.Test;

/**
 * Decoding with an unmerged LoRA adapter (what generate --adapter and serving do): q/k/v and
 * gate/up keep their fused base matmuls with the adapter's deltas added, on F32 and on packed
 * reduced-precision weights.
 */
class LoraDecodeTest {
  static final LoraConfig ALL =
      LoraConfig.builder()
          .optR(4)
          .optAlpha(8)
          .optTargets("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
          .build();

  static final long[] SEQ = {1, 17, 42, 3, 59, 8, 23, 5, 44, 12, 30, 2};

  static float[] fullPass(LlamaModel model, NDManager m) {
    try (NDManager tmp = m.newSubManager()) {
      return model.logits(tmp.create(SEQ, new Shape(1, SEQ.length)), null).toFloatArray();
    }
  }

  /** Every position's logits, one token per step through the KV cache. */
  static float[] stepwise(LlamaModel model, NDManager m) {
    int v = model.config().vocabSize();
    float[] out = new float[SEQ.length * v];
    try (NDManager s = m.newSubManager();
        KvCache cache = model.newCache(s, 1, SEQ.length)) {
      for (int i = 0; i < SEQ.length; i++) {
        try (NDManager t = s.newSubManager()) {
          NDArray e = model.embed(t.create(new long[] {SEQ[i]}, new Shape(1, 1))); // [1, 1, H]
          NDArray h = model.hidden(e, t.create(new long[] {i}, new Shape(1, 1)), null, cache);
          float[] l = model.lmHead(h.get(new NDIndex(":, -1, :"))).toFloatArray(); // [V]
          System.arraycopy(l, 0, out, i * v, v);
        }
      }
    }
    return out;
  }

  @Test
  void unmergedLoraKeepsTheFusedMatmulsAndEqualsSeparateProjections() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      float[] base = fullPass(model, m);
      lora.add("u", ALL, 1);
      TinyModels.randomize(lora, "u", 5);
      assertThat(model.layers()).allSatisfy(l -> assertThat(l.usesFusedProjections()).isTrue());
      float[] fused = fullPass(model, m);
      float[] fusedSteps = stepwise(model, m); // KV cache, one row per step
      lora.train(true); // no dropout: the same function, computed by separate projections
      assertThat(model.layers()).noneMatch(LlamaLayer::usesFusedProjections);
      float[] separate = fullPass(model, m);
      lora.train(false);
      assertThat(TinyModels.maxAbsDiff(fused, base)).isGreaterThan(0.1); // the adapter acts
      assertThat(TinyModels.maxAbsDiff(fused, separate)).isLessThan(1e-5);
      assertThat(TinyModels.maxAbsDiff(fusedSteps, separate)).isLessThan(1e-5);
    }
  }

  @Test
  void unmergedLoraOnPackedWeightsMatchesPyTorchOnTheSameWeightsAndRefusesToMerge()
      throws Exception {
    for (WeightPrecision p : new WeightPrecision[] {WeightPrecision.BF16, WeightPrecision.INT8}) {
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel model = TinyModels.llama(m)) {
        model.useDecodeWeights(p);
        try (LoraModel lora = LoraModel.of(model, m)) {
          lora.add("u", ALL, 1);
          TinyModels.randomize(lora, "u", 5);
          float[] torch = fullPass(model, m); // 12 rows: PyTorch on the rounded weights
          float[] kernel = stepwise(model, m); // 1 row: packed kernel + LoRA deltas
          assertThat(TinyModels.maxAbsDiff(torch, kernel))
              .as("%s", p)
              .isLessThan(1e-5 * Math.max(1, TinyModels.maxAbs(torch)));
          assertThatThrownBy(lora::merge)
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining("reduced-precision decode weights");
        }
      }
    }
  }
}
