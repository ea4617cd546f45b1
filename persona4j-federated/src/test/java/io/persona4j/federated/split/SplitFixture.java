/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingResult;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import java.io.IOException;
import java.util.List;

/** A tiny 4-layer Llama with LoRA, variable-length examples, and the unsplit reference run. */
final class SplitFixture {
  static final String ADAPTER = "default";
  static final LoraConfig LORA =
      LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build();
  static final double LR = 0.02;
  static final double WEIGHT_DECAY = 0.01;
  static final int BATCH = 3;
  static final long SEED = 11;

  private SplitFixture() {}

  /** 4 layers, hidden 32, 4 query heads sharing 2 KV heads, vocab 61, 64 positions. */
  static LlamaConfig config() {
    return ModelInit.decoderConfig("llama", 4, 32, 4, 2, 61, 0, 64);
  }

  static LlamaModel llama(NDManager m) throws IOException {
    LlamaConfig c = config();
    return LlamaModel.load(c, WeightSource.ofFloats("random", RandomWeights.llama(c, 7, 0.2f)), m);
  }

  /** LoRA adapter {@value #ADAPTER} on {@code model}, A initialized from seed 5, B zero. */
  static LoraModel lora(LlamaModel model, NDManager m) {
    return lora(model, m, LORA);
  }

  /** As {@link #lora(LlamaModel, NDManager)} with another adapter config. */
  static LoraModel lora(LlamaModel model, NDManager m, LoraConfig config) {
    LoraModel lora = LoraModel.of(model, m);
    lora.add(ADAPTER, config, 5);
    return lora;
  }

  /** Five prompt/completion examples of lengths 4..6, so batches of 3 need padding. */
  static List<Example> data() {
    return List.of(
        Example.completion(new long[] {1, 12, 5}, new long[] {40}),
        Example.completion(new long[] {1, 13, 14, 5}, new long[] {41, 42}),
        Example.completion(new long[] {1, 20, 21, 22, 5}, new long[] {43}),
        Example.completion(new long[] {1, 30, 5}, new long[] {44, 45}),
        Example.completion(new long[] {1, 31, 32, 5}, new long[] {46}));
  }

  static SplitClientConfig clientConfig(boolean shuffle) {
    return clientConfig(shuffle, 0);
  }

  static SplitClientConfig clientConfig(boolean shuffle, double maxGradNorm) {
    return SplitClientConfig.builder()
        .setLearningRate(LR)
        .setBatchSize(BATCH)
        .optWeightDecay(WEIGHT_DECAY)
        .optSeed(SEED)
        .optShuffle(shuffle)
        .optMaxGradNorm(maxGradNorm)
        .build();
  }

  /**
   * Result of ordinary (unsplit) LoRA training with core's Trainer; {@code gradNorms} are the
   * global norms of each step before clipping.
   */
  record Reference(
      double[] losses, double[] gradNorms, ParameterSet initial, ParameterSet adapter) {}

  /** {@code steps} ordinary LoRA steps: same model, data, order, AdamW and rate, no clipping. */
  static Reference reference(int steps, boolean shuffle) throws IOException {
    return reference(steps, shuffle, data());
  }

  /** As {@link #reference(int, boolean)} on other examples. */
  static Reference reference(int steps, boolean shuffle, List<Example> examples)
      throws IOException {
    return reference(steps, shuffle, examples, 0);
  }

  /** As {@link #reference(int, boolean, List)}, clipping with {@code optMaxGradNorm(maxNorm)}. */
  static Reference reference(int steps, boolean shuffle, List<Example> examples, double maxNorm)
      throws IOException {
    return reference(steps, shuffle, examples, maxNorm, LORA);
  }

  /** As {@link #reference(int, boolean, List, double)} with another adapter config. */
  static Reference reference(
      int steps, boolean shuffle, List<Example> examples, double maxNorm, LoraConfig config)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = llama(m);
        LoraModel lora = lora(model, m, config)) {
      ParameterSet initial = LoraParameters.read(lora, ADAPTER);
      lora.train(true);
      TrainingResult r;
      try (Trainer trainer =
          Trainer.builder()
              .setParameters(TrainableParameters.of(lora.trainableParameters()))
              .setObjective(CausalLmObjective.of(model))
              .setOptimizer(AdamW.builder().optWeightDecay(WEIGHT_DECAY).build())
              .setSchedule(LearningRateSchedule.constant(LR))
              .setTrainData(examples)
              .setMaxSteps(steps)
              .optMicroBatchSize(BATCH)
              .optMaxGradNorm(maxNorm)
              .optSeed(SEED)
              .optShuffle(shuffle)
              .optPadId(0)
              .build()) {
        r = trainer.train();
      }
      double[] norms = r.history().stream().mapToDouble(h -> h.gradNorm()).toArray();
      return new Reference(r.losses(), norms, initial, LoraParameters.read(lora, ADAPTER));
    }
  }
}
