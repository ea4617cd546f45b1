/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.WeightSource;
import org.junit.jupiter.api.Test;

/** {@link BertModel#forwardEmbeddings} is {@link BertModel#forward} after the word lookup. */
class BertForwardEmbeddingsTest {

  @Test
  void forwardEqualsForwardEmbeddingsOfWordEmbeddingsBitExactly() throws Exception {
    BertConfig c = BertModelTest.tiny("gelu");
    long[] ids = {2, 17, 33, 4, 49, 0, 2, 8, 9, 10, 11, 3};
    long[] mask = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
    long[] types = {0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    try (NDManager m = TensorRuntime.newManager();
        BertModel model =
            BertModel.load(c, WeightSource.ofFloats("tiny", BertModelTest.weights(c)), m)) {
      Shape s = new Shape(2, 6);
      NDArray idArr = m.create(ids, s);
      NDArray maskArr = m.create(mask, s);
      NDArray typeArr = m.create(types, s);
      float[] direct = model.forward(idArr, maskArr, typeArr).toFloatArray();
      NDArray emb = model.wordEmbeddings(idArr);
      assertThat(emb.getShape()).isEqualTo(new Shape(2, 6, c.hiddenSize()));
      float[] viaEmb = model.forwardEmbeddings(emb, maskArr, typeArr).toFloatArray();
      assertThat(viaEmb).containsExactly(direct);
      // and without token types
      assertThat(model.forwardEmbeddings(emb, maskArr, null).toFloatArray())
          .containsExactly(model.forward(idArr, maskArr, null).toFloatArray());
    }
  }

  @Test
  void gradientReachesTheInputEmbeddings() throws Exception {
    BertConfig c = BertModelTest.tiny("gelu");
    try (NDManager m = TensorRuntime.newManager();
        BertModel model =
            BertModel.load(c, WeightSource.ofFloats("tiny", BertModelTest.weights(c)), m)) {
      NDArray ids = m.create(new long[] {2, 5, 7, 3}, new Shape(1, 4));
      NDArray emb = model.wordEmbeddings(ids).duplicate();
      emb.setRequiresGradient(true);
      try (GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
        NDArray out = model.forwardEmbeddings(emb, m.ones(new Shape(1, 4)), null);
        gc.backward(out.sum());
      }
      float[] g = emb.getGradient().toFloatArray();
      double norm = 0;
      for (float v : g) {
        norm += v * v;
      }
      assertThat(norm).isGreaterThan(0).isFinite();
    }
  }

  @Test
  void rejectsWrongHiddenSize() throws Exception {
    BertConfig c = BertModelTest.tiny("gelu");
    try (NDManager m = TensorRuntime.newManager();
        BertModel model =
            BertModel.load(c, WeightSource.ofFloats("tiny", BertModelTest.weights(c)), m)) {
      NDArray bad = m.zeros(new Shape(1, 3, c.hiddenSize() + 1));
      assertThatThrownBy(() -> model.forwardEmbeddings(bad, m.ones(new Shape(1, 3)), null))
          .hasMessageContaining("inputEmbeddings must be [B, T, 16]");
    }
  }
}
