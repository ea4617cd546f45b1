/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.NativeMemoryChurn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * LoRA gradients must not depend on a garbage collection between forward and backward. DJL backs
 * arrays made from Java data (the scalar of {@code x.mul(0.5f)}, a dropout mask) by direct buffers
 * freed when the array is closed or collected, while autograd still reads them in backward. Each
 * test forces a collection plus native-memory churn before backward and requires gradients that are
 * finite and identical to a run without it.
 */
class LoraAutogradMemorySafetyTest {
  /** BERT with the tanh GELU ("gelu_new"), whose forward multiplies by several constants. */
  static final BertConfig BERT =
      new BertConfig(
          "bert", 120, 32, 2, 4, 64, "gelu_new", 64, 2, 1e-12, 0, "absolute", null, null);

  interface Forward {
    /** A scalar loss computed with arrays on {@code step}. */
    NDArray loss(NDManager step);
  }

  static Map<String, float[]> gradients(LoraModel lora, NDManager m, Forward f, boolean churn) {
    Map<String, NDArray> params = lora.trainableParameters();
    List<ByteBuffer> keep = new ArrayList<>();
    try (NDManager step = m.newSubManager();
        GradientCollector gc = TensorRuntime.engine().newGradientCollector()) {
      NDArray loss = f.loss(step);
      if (churn) {
        keep.addAll(NativeMemoryChurn.run());
      }
      gc.backward(loss);
    }
    assertThat(keep).hasSize(churn ? 2500 : 0);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      try (NDArray g = e.getValue().getGradient()) {
        out.put(e.getKey(), g.toFloatArray());
      }
    }
    return out;
  }

  static float[] weights(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (2 * r.nextDouble() - 1);
    }
    return w;
  }

  /** Gradients of a LoRA (with dropout) on the tiny Llama, fresh model and adapter each call. */
  static Map<String, float[]> llamaGradients(boolean churn) throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      LoraConfig config =
          LoraConfig.builder()
              .optR(4)
              .optAlpha(8)
              .optDropout(0.3)
              .optTargets("q_proj", "v_proj")
              .build();
      lora.add("g", config, 1);
      TinyModels.randomize(lora, "g", 2);
      lora.activate("g");
      lora.train(true);
      int n = TinyModels.IDS.length * TinyModels.config().vocabSize();
      float[] w = weights(n, 4);
      return gradients(
          lora,
          m,
          step -> {
            NDArray ids = step.create(TinyModels.IDS, new Shape(1, TinyModels.IDS.length));
            NDArray logits = model.logits(ids, null);
            return logits.mul(step.create(w, logits.getShape())).sum();
          },
          churn);
    }
  }

  /** Gradients of a LoRA on a tiny BERT with the tanh GELU. */
  static Map<String, float[]> bertGradients(boolean churn) throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        BertModel model =
            BertModel.load(
                BERT, WeightSource.ofFloats("random", RandomWeights.bert(BERT, 4, 0.2f)), m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add(
          "b", LoraConfig.builder().optR(4).optAlpha(8).optTargets("query", "value").build(), 1);
      TinyModels.randomize(lora, "b", 3);
      lora.activate("b");
      long[] ids = {2, 17, 42, 3, 9};
      float[] w = weights(ids.length * 32, 5);
      return gradients(
          lora,
          m,
          step -> {
            NDArray in = step.create(ids, new Shape(1, ids.length));
            NDArray mask = step.ones(new Shape(1, ids.length));
            NDArray hidden = model.forward(in, mask, null);
            return hidden.mul(step.create(w, hidden.getShape())).sum();
          },
          churn);
    }
  }

  static void assertSame(Map<String, float[]> clean, Map<String, float[]> churned, int trial) {
    assertThat(churned.keySet()).isEqualTo(clean.keySet()).isNotEmpty();
    for (String name : clean.keySet()) {
      float[] g = churned.get(name);
      for (float v : g) {
        assertThat(Float.isFinite(v)).as("%s finite (trial %d)", name, trial).isTrue();
      }
      assertThat(g).as("%s (trial %d)", name, trial).containsExactly(clean.get(name));
    }
  }

  @Test
  void llamaLoraWithDropoutGradientsSurviveAGarbageCollectionBeforeBackward() throws IOException {
    Map<String, float[]> clean = llamaGradients(false);
    assertThat(TinyModels.maxAbs(clean.values().iterator().next())).isGreaterThan(0);
    for (int trial = 0; trial < 3; trial++) {
      assertSame(clean, llamaGradients(true), trial);
    }
  }

  @Test
  void bertLoraGradientsSurviveAGarbageCollectionBeforeBackward() throws IOException {
    Map<String, float[]> clean = bertGradients(false);
    assertThat(TinyModels.maxAbs(clean.values().iterator().next())).isGreaterThan(0);
    for (int trial = 0; trial < 3; trial++) {
      assertSame(clean, bertGradients(true), trial);
    }
  }
}
