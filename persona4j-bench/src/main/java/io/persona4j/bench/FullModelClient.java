/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.TensorSpec;
import java.util.List;
import java.util.Map;

/**
 * A benchmark client that exchanges and trains the whole model (the baseline against LoRA-only
 * exchange): loads every weight from the instruction in place, trains all of them with AdamW, and
 * replies with all of them. Clients share one model and run one at a time (they lock it).
 */
final class FullModelClient implements ClientApp {
  private final LlamaModel model;
  private final List<Example> data;
  private final int steps;

  FullModelClient(LlamaModel model, List<Example> data, int steps) {
    this.model = model;
    this.data = List.copyOf(data);
    this.steps = steps;
  }

  /** The model's weights as a parameter set. */
  static ParameterSet read(LlamaModel model) {
    ParameterSet.Builder b = ParameterSet.builder();
    for (Map.Entry<String, NDArray> e : model.weights().entrySet()) {
      long[] s = e.getValue().getShape().getShape();
      int[] dims = new int[s.length];
      for (int i = 0; i < s.length; i++) {
        dims[i] = Math.toIntExact(s[i]);
      }
      b.add(TensorSpec.f32(e.getKey(), dims), e.getValue().toFloatArray());
    }
    return b.build();
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    synchronized (model) {
      try (Autograd.NoGrad ignored = Autograd.noGrad()) {
        for (Map.Entry<String, NDArray> e : model.weights().entrySet()) {
          NDArray a = e.getValue();
          try (NDManager tmp = a.getManager().newSubManager()) {
            a.set(new NDIndex("..."), tmp.create(in.parameters().values(e.getKey()), a.getShape()));
          }
        }
      }
      TrainableParameters params = TrainableParameters.allOf(model);
      try (Trainer t =
          Trainer.builder()
              .setParameters(params)
              .setObjective(CausalLmObjective.of(model))
              .setOptimizer(AdamW.builder().build())
              .setSchedule(LearningRateSchedule.constant(1e-4))
              .setTrainData(data)
              .setMaxSteps(steps)
              .optMicroBatchSize(Math.min(4, data.size()))
              .build()) {
        double loss = t.train().losses()[0];
        return Reply.ok(in, read(model), data.size(), Map.of(Reply.LOSS, loss));
      } finally {
        params.freeze();
      }
    }
  }

  @Override
  public Reply evaluate(Instruction in) {
    throw new UnsupportedOperationException("benchmark client: fit only");
  }
}
