/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DJL's PyTorch engine backs arrays made from Java data (including the scalar of {@code
 * x.mul(0.5f)}) by a direct buffer that the array owns, without copying. Autograd keeps such a
 * scalar for the backward pass after DJL has closed the array, so a garbage collection between
 * forward and backward frees memory the backward pass still reads. These tests force exactly that
 * and require the gradients to be unchanged.
 */
class AutogradMemorySafetyTest {
  static final List<Example> DATA =
      List.of(
          Example.completion(new long[] {1, 5, 6}, new long[] {7, 8, 2}),
          Example.completion(new long[] {1, 9}, new long[] {10, 11, 12, 2}));

  /** Gradients of the trainer's scaled loss, with or without memory churn before backward. */
  static Map<String, float[]> gradients(boolean churn) {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(1, m)) {
      TrainableParameters params = TrainableParameters.allOf(model);
      Batch batch = Batch.of(DATA, 0);
      List<ByteBuffer> keep = new ArrayList<>();
      try (NDManager scope = m.newSubManager();
          GradientCollector gc = Autograd.collector()) {
        NDArray loss =
            TrainingStep.meanLoss(CausalLmObjective.of(model).lossSum(batch, scope), 7, scope);
        if (churn) {
          keep.addAll(NativeMemoryChurn.run());
        }
        gc.backward(loss);
      }
      Map<String, float[]> out = new java.util.LinkedHashMap<>();
      try (NDManager scope = m.newSubManager()) {
        for (String name : params.names()) {
          out.put(name, params.gradient(name, scope).toFloatArray());
        }
      }
      assertThat(keep.size()).isGreaterThanOrEqualTo(churn ? 1 : 0);
      return out;
    }
  }

  @Test
  void llamaGradientsSurviveAGarbageCollectionBeforeBackward() {
    Map<String, float[]> clean = gradients(false);
    for (int trial = 0; trial < 3; trial++) {
      Map<String, float[]> churned = gradients(true);
      for (String name : clean.keySet()) {
        assertThat(churned.get(name))
            .as("%s (trial %d)", name, trial)
            .containsExactly(clean.get(name));
      }
    }
  }

  /** Gradients of a classification step (trainable encoder, mean pooling, head). */
  static Map<String, float[]> classificationGradients(boolean churn) {
    try (NDManager m = TensorRuntime.newManager();
        ClassificationHead head = ClassificationHead.create(8, 3, 0.5f, 1, m)) {
      NDArray embedding = m.randomNormal(new ai.djl.ndarray.types.Shape(16, 8));
      Encoder encoder =
          (ids, mask) -> embedding.get(new ai.djl.ndarray.index.NDIndex("{}", ids)).tanh();
      TrainableParameters params =
          TrainableParameters.merge(
              TrainableParameters.of(head.parameters()),
              TrainableParameters.of(Map.of("embedding", embedding)));
      Batch batch =
          Batch.of(
              List.of(
                  Example.classification(new long[] {1, 2, 3}, 2),
                  Example.classification(new long[] {4, 5}, 0)),
              0);
      List<ByteBuffer> keep = new ArrayList<>();
      try (NDManager scope = m.newSubManager();
          GradientCollector gc = Autograd.collector()) {
        NDArray loss =
            TrainingStep.meanLoss(
                new SequenceClassificationObjective(encoder, Pooling.MEAN, head)
                    .lossSum(batch, scope),
                2,
                scope);
        if (churn) {
          keep.addAll(NativeMemoryChurn.run());
        }
        gc.backward(loss);
      }
      Map<String, float[]> out = new java.util.LinkedHashMap<>();
      try (NDManager scope = m.newSubManager()) {
        for (String name : params.names()) {
          out.put(name, params.gradient(name, scope).toFloatArray());
        }
      }
      return out;
    }
  }

  @Test
  void classificationGradientsSurviveAGarbageCollectionBeforeBackward() {
    ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(5);
    Map<String, float[]> clean = classificationGradients(false);
    for (int trial = 0; trial < 3; trial++) {
      ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(5);
      Map<String, float[]> churned = classificationGradients(true);
      for (String name : clean.keySet()) {
        assertThat(churned.get(name))
            .as("%s (trial %d)", name, trial)
            .containsExactly(clean.get(name));
      }
    }
  }
}
