/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Evaluation through the split equals an ordinary evaluation and changes nothing. */
class SplitEvaluationTest {

  /** Mean token loss of the model with {@code adapter} loaded, all examples in one batch. */
  static double ordinaryLoss(ParameterSet adapter) throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = SplitFixture.llama(m);
        LoraModel lora = SplitFixture.lora(model, m);
        Autograd.NoGrad ignored = Autograd.noGrad()) {
      LoraParameters.load(lora, SplitFixture.ADAPTER, adapter);
      return CausalLmObjective.of(model).evaluate(Batch.of(SplitFixture.data(), 0), m).meanLoss();
    }
  }

  @ParameterizedTest(name = "k={0}")
  @ValueSource(ints = {1, 2, 0})
  void splitEvaluationEqualsOrdinaryEvaluationBeforeAndAfterTraining(int k) throws Exception {
    SplitFixture.Reference ref = SplitFixture.reference(3, true);
    SplitConfig split = SplitConfig.of(4, k);
    try (SplitRig rig = new SplitRig(split, true)) {
      SplitEvaluation before = rig.server.evaluate();
      assertThat(before.batches()).isEqualTo(2); // 5 examples in batches of 3
      assertThat(before.targets()).isEqualTo(7);
      assertThat(before.meanLoss()).isCloseTo(ordinaryLoss(ref.initial()), within(1e-5));
      if (split.isSplit()) {
        assertThat(before.bytesUp()).isPositive();
      }
      rig.server.train(3);
      ParameterSet client = rig.clientPart();
      ParameterSet server = rig.serverPart();
      SplitEvaluation after = rig.server.evaluate();
      double expected = ordinaryLoss(ref.adapter());
      assertThat(after.meanLoss()).isCloseTo(expected, within(1e-5));
      assertThat(Math.abs(after.meanLoss() - before.meanLoss())).isGreaterThan(1e-3);
      // evaluating changed nothing: same adapters, state and step count; training goes on
      assertThat(rig.clientPart()).isEqualTo(client);
      assertThat(rig.serverPart()).isEqualTo(server);
      assertThat(rig.client.state()).isEqualTo(SplitClientApp.State.IDLE);
      assertThat(rig.client.completedSteps()).isEqualTo(3);
      assertThat(rig.server.step().step()).isEqualTo(4);
    }
  }
}
