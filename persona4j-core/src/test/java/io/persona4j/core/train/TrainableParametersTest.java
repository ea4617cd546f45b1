/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.model.CheckpointWeights;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainableParametersTest {
  @TempDir Path dir;

  @Test
  void fullParameterModeCoversEveryWeightOnceInCheckpointOrder() throws IOException {
    LlamaConfig llama = TinyModels.config();
    LlamaConfig qwen = ModelInit.decoderConfig("qwen2", 2, 32, 4, 2, 40, 64, 64); // tied, biases
    for (LlamaConfig c : List.of(llama, qwen)) {
      var weights = RandomWeights.llama(c, 3, 0.1f);
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel model = LlamaModel.load(c, WeightSource.ofFloats("r", weights), m)) {
        TrainableParameters p = TrainableParameters.allOf(model);
        assertThat(List.copyOf(p.names())).isEqualTo(List.copyOf(weights.keySet()));
        assertThat(p.elementCount()).isEqualTo(c.parameterCount());
        assertThat(p.names().contains("lm_head.weight")).isEqualTo(!c.tieWordEmbeddings());
        assertThat(p.asMap().values()).allMatch(NDArray::hasGradient);
        p.freeze();
        assertThat(p.asMap().values()).noneMatch(NDArray::hasGradient);
      }
    }
  }

  @Test
  void weightsAreTheLiveArraysTheModelComputesWith() {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(1, m)) {
      NDArray ids = m.create(new long[] {1, 5, 6}, new Shape(1, 3));
      float[] before = model.logits(ids, null).toFloatArray();
      model.weights().get("model.norm.weight").muli(0);
      float[] after = model.logits(ids, null).toFloatArray();
      assertThat(after).isNotEqualTo(before).containsOnly(0f);
    }
  }

  @Test
  void fullParameterCheckpointLoadsAsAHuggingFaceModel() throws IOException {
    // What pre-training a tiny base model needs: the trained tensors keep checkpoint names.
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(1, m);
        Trainer t =
            TrainerTest.base(model, TrainableParameters.allOf(model), 3)
                .optCheckpoints(dir.resolve("ckpt"), 0)
                .build()) {
      Path ckpt = t.train().lastCheckpoint();
      Path hf = Files.createDirectories(dir.resolve("hf"));
      Files.copy(ckpt.resolve(TrainingCheckpoint.PARAMETERS), hf.resolve(Checkpoint.SINGLE_FILE));
      NDArray ids = m.create(new long[] {1, 5, 6, 7}, new Shape(1, 4));
      try (Checkpoint c = Checkpoint.open(hf);
          LlamaModel loaded = LlamaModel.load(model.config(), new CheckpointWeights(c), m)) {
        assertThat(loaded.logits(ids, null).toFloatArray())
            .containsExactly(model.logits(ids, null).toFloatArray());
      }
      try (LlamaModel fresh = TinyModels.llama(1, m)) {
        assertThat(fresh.logits(ids, null).toFloatArray())
            .isNotEqualTo(model.logits(ids, null).toFloatArray());
      }
    }
  }

  @Test
  void invalidSetsAreRejectedWithTheName() {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray a = m.create(new float[] {1f}, new Shape(1));
      assertThatThrownBy(() -> TrainableParameters.of(Map.of()))
          .hasMessageContaining("no trainable");
      Map<String, NDArray> twice = new LinkedHashMap<>();
      twice.put("a", a);
      twice.put("b", a);
      assertThatThrownBy(() -> TrainableParameters.of(twice))
          .hasMessageContaining("'a' and 'b' are the same array");
      NDArray ints = m.create(new int[] {1}, new Shape(1));
      assertThatThrownBy(() -> TrainableParameters.of(Map.of("i", ints)))
          .hasMessageContaining("parameter 'i' is int32, training needs FLOAT32");
      TrainableParameters one = TrainableParameters.of(Map.of("a", a));
      TrainableParameters other =
          TrainableParameters.of(Map.of("a", m.zeros(new Shape(1), DataType.FLOAT32)));
      assertThatThrownBy(() -> TrainableParameters.merge(one, other))
          .hasMessageContaining("'a' occurs twice");
      assertThatThrownBy(() -> one.get("z")).hasMessageContaining("no trainable parameter 'z'");
    }
  }
}
