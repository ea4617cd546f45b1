/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@link LlamaModel#layers} and {@link LlamaModel#finalNorm}: the pieces of a split forward. */
class LlamaLayerRangeTest {

  private static final long[] IDS = {1, 17, 42, 3, 59, 8, 23, 5, 11, 2};

  private static float maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  @Test
  void chainedRangesEqualTheFullForwardWithPadding() throws IOException {
    LlamaConfig c = ModelInit.decoderConfig("llama", 4, 32, 4, 2, 61, 0, 64);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model =
            LlamaModel.load(
                c, WeightSource.ofFloats("random", RandomWeights.llama(c, 7, 0.2f)), m)) {
      // two rows, the second right-padded after 3 tokens
      long[] ids = new long[2 * 5];
      long[] att = new long[2 * 5];
      boolean[][] valid = new boolean[2][5];
      for (int i = 0; i < 10; i++) {
        ids[i] = IDS[i];
        att[i] = i < 5 || i < 8 ? 1 : 0;
        valid[i / 5][i % 5] = att[i] == 1;
      }
      NDArray idArr = m.create(ids, new Shape(2, 5));
      float[] expected = model.logits(idArr, m.create(att, new Shape(2, 5))).toFloatArray();
      NDArray positions = m.create(LlamaModel.positionsFrom(valid), new Shape(2, 5));
      NDArray mask = AttentionMask.causal(valid, 0, 5, 0, m);
      NDArray h = model.embed(idArr);
      NDArray h1 = model.layers(h, positions, mask, 0, 1);
      NDArray h3 = model.layers(h1, positions, mask, 1, 3);
      NDArray h4 = model.layers(h3, positions, mask, 3, 4);
      float[] got = model.lmHead(model.finalNorm(h4)).toFloatArray();
      float scale = 0;
      for (float v : expected) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertThat(scale).isGreaterThan(0.1f);
      // compare only real positions: padded rows of the full forward see a differently masked key
      for (int r = 0; r < 2; r++) {
        for (int t = 0; t < 5; t++) {
          if (!valid[r][t]) {
            continue;
          }
          int off = (r * 5 + t) * c.vocabSize();
          float[] a = java.util.Arrays.copyOfRange(expected, off, off + c.vocabSize());
          float[] b = java.util.Arrays.copyOfRange(got, off, off + c.vocabSize());
          assertThat(maxAbsDiff(a, b)).as("row %d position %d", r, t).isLessThan(1e-5f);
        }
      }
      // each range changes the state (a layer is not the identity)
      assertThat(maxAbsDiff(h.toFloatArray(), h1.toFloatArray())).isGreaterThan(1e-3f);
      // an empty range gives a new handle on its input's values
      NDArray same = model.layers(h3, positions, mask, 2, 2);
      assertThat(same.toFloatArray()).isEqualTo(h3.toFloatArray());
      assertThat(same).isNotSameAs(h3);
      // ... through which gradients flow (a split party with no layers of its own passes them on)
      NDArray leaf = m.create(h3.toFloatArray(), h3.getShape());
      leaf.setRequiresGradient(true);
      NDArray through;
      try (io.persona4j.core.train.Autograd.Recording r =
          io.persona4j.core.train.Autograd.record()) {
        through = model.layers(leaf, positions, mask, 4, 4);
      }
      NDArray g = m.randomUniform(-1, 1, h3.getShape());
      io.persona4j.core.train.Autograd.backward(through, g);
      assertThat(io.persona4j.core.train.Autograd.gradientOf(leaf, m).toFloatArray())
          .isEqualTo(g.toFloatArray());
    }
  }

  @Test
  void badRangesAreRejected() throws IOException {
    LlamaConfig c = ModelInit.decoderConfig("llama", 2, 32, 4, 2, 61, 0, 64);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model =
            LlamaModel.load(
                c, WeightSource.ofFloats("random", RandomWeights.llama(c, 7, 0.2f)), m)) {
      NDArray x = m.zeros(new Shape(1, 1, 32));
      NDArray pos = m.create(new long[] {0}, new Shape(1, 1));
      assertThatThrownBy(() -> model.layers(x, pos, null, 1, 3))
          .hasMessageContaining("[1, 3)")
          .hasMessageContaining("[0, 2]");
      assertThatThrownBy(() -> model.layers(x, pos, null, -1, 1)).hasMessageContaining("[-1, 1)");
      assertThatThrownBy(() -> model.layers(x, pos, null, 2, 1)).hasMessageContaining("[2, 1)");
    }
  }
}
