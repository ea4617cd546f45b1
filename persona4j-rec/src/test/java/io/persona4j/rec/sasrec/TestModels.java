/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny configs and models with every weight random (LayerNorm gains and biases included). */
final class TestModels {
  private TestModels() {}

  static SasRecConfig tiny(int blocks, int heads, boolean normFirst) {
    return SasRecConfig.builder()
        .setNumItems(20)
        .optMaxLen(6)
        .optHiddenSize(8)
        .optNumBlocks(blocks)
        .optNumHeads(heads)
        .optNormFirst(normFirst)
        .optDropout(0.2)
        .build();
  }

  /** Random values for every weight of {@code config}; row 0 of the item table stays zero. */
  static Map<String, float[]> randomWeights(SasRecConfig config, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : SasRecWeights.shapes(config).entrySet()) {
      int n = 1;
      for (long s : e.getValue()) {
        n *= (int) s;
      }
      float[] v = new float[n];
      String name = e.getKey();
      for (int i = 0; i < n; i++) {
        double g = r.nextGaussian();
        v[i] = (float) (name.endsWith("norm.weight") ? 1 + 0.3 * g : 0.4 * g);
      }
      if (name.equals("item_emb.weight")) {
        java.util.Arrays.fill(v, 0, config.hiddenSize(), 0f);
      }
      values.put(name, v);
    }
    return values;
  }

  static SasRecModel randomModel(SasRecConfig config, long seed) {
    return SasRecModel.of(config, randomWeights(config, seed));
  }
}
