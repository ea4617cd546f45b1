/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.adapters.lora.TinyModels;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Map;
import java.util.SplittableRandom;

/** Small mixtures on the tiny Llama of {@link TinyModels} and helpers for the moe tests. */
final class MoeFixtures {
  /** A second sequence of {@link TinyModels#IDS}' length. */
  static final long[] OTHER_IDS = {5, 2, 33, 60, 11, 47, 9};

  private MoeFixtures() {}

  /** r = 4 in K = 2 experts, alpha 8, no dropout, q/v/down projections, 8-d gate input. */
  static MoeLoraConfig small(GateType type) {
    return MoeLoraConfig.builder()
        .optR(4)
        .optNumExperts(2)
        .optAlpha(8)
        .optDropout(0)
        .optTargets("q_proj", "v_proj", "down_proj")
        .optGateType(type)
        .optGateDim(8)
        .optSeed(21)
        .build();
  }

  /** {@code [batch, dim]} values uniform on ±1 on {@code m}. */
  static NDArray gateInputs(NDManager m, int batch, int dim, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[batch * dim];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (2 * r.nextDouble() - 1);
    }
    return m.create(v, new Shape(batch, dim));
  }

  /** Logits {@code [B * T * V]} of the rows of {@code ids} (equal lengths, no padding). */
  static float[] logits(LlamaModel model, NDManager m, long[]... ids) {
    int t = ids[0].length;
    long[] flat = new long[ids.length * t];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(ids[i], 0, flat, i * t, t);
    }
    try (NDManager tmp = m.newSubManager()) {
      return model.logits(tmp.create(flat, new Shape(ids.length, t)), null).toFloatArray();
    }
  }

  /** Random experts (A, B on ±0.3) and, for a linear gate, a random router on ±1. */
  static void randomize(MoeLoraModel moe, long seed) {
    TinyModels.randomize(moe.units().values(), seed);
    NDArray router = moe.routerWeight();
    if (router != null) {
      try (NDManager tmp = router.getManager().newSubManager()) {
        NDArray v = TinyModels.uniform(tmp, new SplittableRandom(seed + 1), router.getShape());
        router.set(new NDIndex("..."), v.mul(tmp.create(10f / 3)));
      }
    }
  }

  /** Copies every unit's A and B into the unit of the same path in {@code to}. */
  static void copyUnits(Map<String, LoraUnit> from, Map<String, LoraUnit> to) {
    from.forEach((path, u) -> to.get(path).assign(u.a(), u.b()));
  }

  /** {@code [n]} slice of a flat array. */
  static float[] slice(float[] a, int from, int n) {
    float[] out = new float[n];
    System.arraycopy(a, from, out, 0, n);
    return out;
  }
}
