/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.TrainableParameters;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HybridEmbedder}: replaced rows, untouched rows, gradients. */
class HybridEmbedderTest {
  @TempDir Path dir;

  @Test
  void replacesPlaceholderRowsAndKeepsEveryOtherRowExactly() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      RecSample a = new RecSample(0, new int[] {1, 2, 3}, new int[] {5, 4}, 4);
      RecSample b = new RecSample(1, new int[] {9}, new int[] {12, 11, 10}, 10);
      List<EncodedPrompt> prompts =
          List.of(f.prompt.encode(a, PromptMode.HYBRID), f.prompt.encode(b, PromptMode.HYBRID));
      PromptBatch batch = PromptBatch.of(prompts, f.prompt.padId(), false);
      NDArray ids = batch.ids(m);
      NDArray hybrid = f.embedder().embed(ids, batch.flatPositions, batch.items);
      NDArray plain = f.model.embed(ids);
      int h = LlaraFixture.HIDDEN;
      assertThat(hybrid.getShape()).isEqualTo(new Shape(2, batch.length, h));
      float[] got = hybrid.toFloatArray();
      float[] tokens = plain.toFloatArray();
      boolean[] replaced = new boolean[2 * batch.length];
      for (int p : batch.flatPositions) {
        replaced[p] = true;
      }
      assertThat(batch.items).containsExactly(1, 2, 3, 5, 4, 9, 12, 11, 10);
      for (int row = 0; row < replaced.length; row++) {
        if (!replaced[row]) {
          for (int k = 0; k < h; k++) {
            assertThat(got[row * h + k]).isEqualTo(tokens[row * h + k]); // bit-identical
          }
        }
      }
      for (int j = 0; j < batch.items.length; j++) {
        float[] v = f.itemVectors[batch.items[j]];
        float[] expected = f.projector.forward(m.create(v, new Shape(1, v.length))).toFloatArray();
        int row = batch.flatPositions[j];
        for (int k = 0; k < h; k++) {
          assertThat((double) got[row * h + k]).isCloseTo(expected[k], within(1e-6));
          assertThat(got[row * h + k]).isNotEqualTo(tokens[row * h + k]);
        }
      }
      assertThatThrownBy(() -> f.embedder().embed(ids, new int[] {0, 0}, new int[] {1, 2}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("repeated");
      assertThatThrownBy(() -> f.embedder().embed(ids, new int[] {0}, new int[] {13}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("item 13 has no vector");
    }
  }

  @Test
  void gradientsReachTheProjectorAndNotThePlaceholdersTokenEmbeddings() throws Exception {
    try (LlaraFixture f = LlaraFixture.create(dir);
        NDManager m = TensorRuntime.newManager()) {
      RecSample a = new RecSample(0, new int[] {1, 2}, new int[] {5, 4}, 4);
      EncodedPrompt e = f.prompt.encode(a, PromptMode.HYBRID);
      PromptBatch batch = PromptBatch.of(List.of(e), f.prompt.padId(), false);
      TrainableParameters params =
          TrainableParameters.merge(
              TrainableParameters.of(f.projector.parameters()),
              TrainableParameters.of(
                  Map.of("embed", f.model.weights().get("model.embed_tokens.weight"))));
      int t = batch.length;
      int h = LlaraFixture.HIDDEN;
      float[] g = new float[t * h];
      for (int i = 0; i < g.length; i++) {
        g[i] = (float) Math.sin(i * 0.37);
      }
      try (GradientCollector c = TensorRuntime.engine().newGradientCollector()) {
        NDArray out = f.embedder().embed(batch.ids(m), batch.flatPositions, batch.items);
        NDArray loss = out.mul(m.create(g, new Shape(1, t, h))).sum();
        System.gc(); // a freed constant would now corrupt the backward pass
        c.backward(loss);
      }
      try (NDManager s = m.newSubManager()) {
        // d loss / d b2 = sum over placeholder rows of g (the second layer's bias is added as is).
        float[] gradB2 = params.gradient(ItemProjector.B2, s).toFloatArray();
        for (int k = 0; k < h; k++) {
          double expected = 0;
          for (int p : batch.flatPositions) {
            expected += g[p * h + k];
          }
          assertThat((double) gradB2[k]).isCloseTo(expected, within(1e-4));
        }
        assertThat(params.gradient(ItemProjector.W1, s).abs().sum().getFloat()).isPositive();
        // The placeholder tokens occur only where they are replaced: no gradient reaches their
        // embedding rows, while a token of the instruction gets one.
        NDArray embedGrad = params.gradient("embed", s);
        long[] ph = f.prompt.placeholderIds();
        for (long id : ph) {
          assertThat(embedGrad.get(id).abs().sum().getFloat()).isZero();
        }
        long bos = e.ids()[0];
        assertThat(embedGrad.get(bos).abs().sum().getFloat()).isPositive();
      }
      params.freeze();
    }
  }
}
