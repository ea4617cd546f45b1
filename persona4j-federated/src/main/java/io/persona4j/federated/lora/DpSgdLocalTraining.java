/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraDropoutReseeding;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraTrainingObjective;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.TrainingObjective;
import io.persona4j.federated.privacy.DpSgdAccountant;
import io.persona4j.federated.privacy.DpSgdConfig;
import io.persona4j.federated.privacy.DpSgdResult;
import io.persona4j.federated.privacy.DpSgdTrainer;
import io.persona4j.privacy.RandomSource;
import java.util.List;
import java.util.function.Function;

/**
 * The DP-SGD branch of {@link LoraClientApp#fit}: local AdamW steps on privatized gradients, with
 * the client's accountant carried across rounds so that its budget covers all of them.
 */
final class DpSgdLocalTraining {
  private final DpSgdConfig dp;
  private final DpSgdAccountant accountant;
  private final RandomSource random;

  DpSgdLocalTraining(DpSgdConfig dp, int examples, RandomSource random) {
    this.dp = dp;
    this.accountant = DpSgdAccountant.of(dp, examples);
    this.random = random;
  }

  DpSgdAccountant accountant() {
    return accountant;
  }

  /**
   * Trains {@code steps} DP-SGD steps (fewer if the budget stops it) of the active adapter.
   *
   * @param objectiveOn the task objective (with its FedProx term, if any) given a manager for
   *     anchors
   */
  DpSgdResult train(
      LoraModel lora,
      String adapter,
      TrainableParameters params,
      Function<NDManager, TrainingObjective> objectiveOn,
      List<Example> data,
      LoraClientConfig config,
      int steps,
      long seed) {
    LoraDropoutReseeding dropout = new LoraDropoutReseeding(lora.units(adapter), seed);
    try (NDManager anchors = TensorRuntime.newManager();
        AdamW adam = AdamW.builder().optWeightDecay(config.weightDecay()).build()) {
      TrainingObjective objective = new LoraTrainingObjective(objectiveOn.apply(anchors), lora);
      return new DpSgdTrainer(
              params,
              objective,
              adam,
              LearningRateSchedule.constant(config.learningRate()),
              data,
              dp,
              accountant,
              random,
              config.padId())
          .onBeforeStep(dropout::reseed)
          .train(steps);
    }
  }
}
