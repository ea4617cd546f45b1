/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraDropoutReseeding;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraTrainingObjective;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.adapters.plora.PLoraConfig;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.adapters.plora.PLoraObjective;
import io.persona4j.adapters.plora.PLoraReseeding;
import io.persona4j.adapters.plora.UserTable;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Encoder;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.SequenceClassificationObjective;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.core.train.TrainingObjective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Trains one method of the PLoRA experiment on group "a" and predicts with it: the frozen-encoder
 * methods on cached features, task LoRA through {@link LoraModel}, the PLoRA variants through
 * {@link PLoraModel}. Adapters are removed from the shared encoder when a trained model is closed.
 */
final class PLoraRunner {
  private static final int EVAL_BATCH = 64;
  private static final Pooling POOLING = Pooling.MEAN;

  /** Examples of rows with their users and texts (looked up by example identity). */
  record Data(List<Example> examples, Map<Example, String> userOf, Map<Example, String> textOf) {
    List<String> users() {
      List<String> out = new ArrayList<>();
      examples.forEach(e -> out.add(userOf.get(e)));
      return out;
    }

    int[] labels() {
      return examples.stream().mapToInt(Example::classLabel).toArray();
    }
  }

  /** A trained method. */
  interface Trained extends AutoCloseable {
    /** Predictions with each example's own user (unknown users: no user). */
    int[] predict(Data data);

    /** Whether {@link #fewShot} applies. */
    default boolean enrols() {
      return false;
    }

    /**
     * Fits a new user's vector on {@code shots} and predicts {@code test} with it.
     *
     * @param lr the few-shot learning rate
     */
    default int[] fewShot(Data shots, Data test, double lr, int steps, long seed) {
      throw new UnsupportedOperationException();
    }

    @Override
    void close();
  }

  private final BertModel bert;
  private final PLoraPreset preset;
  private final NDManager manager;
  private final FrozenFeatures features;
  private final Encoder encoder;

  PLoraRunner(BertModel bert, PLoraPreset preset, FrozenFeatures features, NDManager manager) {
    this.bert = bert;
    this.preset = preset;
    this.features = features;
    this.manager = manager;
    this.encoder = (ids, mask) -> bert.forward(ids, mask, null);
  }

  /**
   * Trains {@code method} on {@code train} for {@code steps} steps at {@code lr} ({@code
   * tableMult}: the PLoRA user table's learning-rate multiplier).
   */
  Trained train(
      PLoraMethod method,
      int classes,
      Data train,
      double lr,
      double tableMult,
      int steps,
      long seed) {
    return switch (method) {
      case HEAD -> frozen(false, classes, train, lr, steps, seed);
      case USER_EMB -> frozen(true, classes, train, lr, steps, seed);
      case TASK_LORA -> taskLora(classes, train, lr, steps, seed);
      case PLORA -> plora(preset.pRate(), -1, classes, train, lr, tableMult, steps, seed);
      case PLORA_NO_PDROP -> plora(0, -1, classes, train, lr, tableMult, steps, seed);
      case PLORA_MI ->
          plora(preset.pRate(), preset.mim(), classes, train, lr, tableMult, steps, seed);
    };
  }

  private Trained frozen(
      boolean userEmb, int classes, Data train, double lr, int steps, long seed) {
    NDManager m = manager.newSubManager();
    int width = features.hidden() + (userEmb ? preset.userDim() : 0);
    ClassificationHead head = ClassificationHead.create(width, classes, 0.02f, seed, m);
    UserTable table =
        userEmb
            ? UserTable.zeros(
                new ArrayList<>(new LinkedHashSet<>(train.users())), preset.userDim(), m)
            : null;
    Map<String, NDArray> params = new LinkedHashMap<>(head.parameters());
    if (table != null) {
      params.put("user_embedding", table.table());
    }
    FrozenFeatures.Objective objective =
        new FrozenFeatures.Objective(features, train.textOf(), head, table, train.userOf(), null);
    fit(params, objective, train.examples(), lr, steps, seed, List.of());
    params.values().forEach(a -> a.setRequiresGradient(false));
    return new Trained() {
      @Override
      public int[] predict(Data data) {
        FrozenFeatures.Objective o =
            new FrozenFeatures.Objective(features, data.textOf(), head, table, data.userOf(), null);
        return PLoraRunner.this.predict(data, o::logits);
      }

      @Override
      public boolean enrols() {
        return userEmb;
      }

      @Override
      public int[] fewShot(Data shots, Data test, double fewLr, int fewSteps, long fewSeed) {
        try (NDManager f = m.newSubManager()) {
          NDArray v = f.zeros(new Shape(1, preset.userDim()));
          FrozenFeatures.Objective o =
              new FrozenFeatures.Objective(features, shots.textOf(), head, null, null, v);
          fit(Map.of("user_vector", v), o, shots.examples(), fewLr, fewSteps, fewSeed, List.of());
          v.setRequiresGradient(false);
          FrozenFeatures.Objective t =
              new FrozenFeatures.Objective(features, test.textOf(), head, null, null, v);
          return PLoraRunner.this.predict(test, t::logits);
        }
      }

      @Override
      public void close() {
        m.close();
      }
    };
  }

  private Trained taskLora(int classes, Data train, double lr, int steps, long seed) {
    NDManager m = manager.newSubManager();
    LoraModel lora = LoraModel.of(bert, m);
    try {
      ClassificationHead head =
          ClassificationHead.create(bert.config().hiddenSize(), classes, 0.02f, seed, m);
      LoraConfig config =
          LoraConfig.builder()
              .optR(preset.r())
              .optAlpha(preset.alpha())
              .optDropout(preset.dropout())
              .optTargets("query", "value")
              .optTaskType("SEQ_CLS")
              .optModulesToSave("classifier")
              .build();
      lora.add("task", config, seed);
      lora.activate("task");
      SequenceClassificationObjective sc =
          new SequenceClassificationObjective(encoder, POOLING, head);
      Map<String, NDArray> params = new LinkedHashMap<>(lora.trainableParameters());
      params.putAll(head.parameters());
      lora.train(true);
      try {
        fit(
            params,
            new LoraTrainingObjective(sc, lora),
            train.examples(),
            lr,
            steps,
            seed,
            List.of(new LoraDropoutReseeding(lora.units("task"), seed)),
            Map.of("classifier", preset.loraHeadLrMultiplier()));
      } finally {
        lora.train(false);
      }
      lora.setTrainable("task", false);
      head.parameters().values().forEach(a -> a.setRequiresGradient(false));
      return new Trained() {
        @Override
        public int[] predict(Data data) {
          return PLoraRunner.this.predict(data, sc::logits);
        }

        @Override
        public void close() {
          lora.close();
          m.close();
        }
      };
    } catch (RuntimeException e) {
      lora.close();
      m.close();
      throw e;
    }
  }

  private Trained plora(
      double pRate,
      double mim,
      int classes,
      Data train,
      double lr,
      double tableMult,
      int steps,
      long seed) {
    NDManager m = manager.newSubManager();
    PLoraConfig config =
        PLoraConfig.builder()
            .optR(preset.r())
            .optAlpha(preset.alpha())
            .optDropout(preset.dropout())
            .optUserDim(preset.userDim())
            .optPRate(pRate)
            .optMim(mim)
            .build();
    PLoraModel plora = PLoraModel.create(bert, config, seed, m);
    try {
      ClassificationHead head =
          ClassificationHead.create(bert.config().hiddenSize(), classes, 0.02f, seed, m);
      for (String u : new LinkedHashSet<>(train.users())) {
        plora.users().put(u, new float[preset.userDim()]);
      }
      plora.setTrainable(true, true);
      PLoraObjective objective =
          new PLoraObjective(
              encoder, POOLING, head, plora, PLoraObjective.fromTable(plora, train.userOf()), true);
      Map<String, NDArray> params = new LinkedHashMap<>(plora.trainableParameters());
      params.putAll(head.parameters());
      plora.train(true);
      try {
        fit(
            params,
            objective,
            train.examples(),
            lr,
            steps,
            seed,
            List.of(new PLoraReseeding(plora, seed)),
            Map.of(PLoraModel.TABLE_KEY, tableMult, "classifier", preset.loraHeadLrMultiplier()));
      } finally {
        plora.train(false);
      }
      plora.setTrainable(false, false);
      head.parameters().values().forEach(a -> a.setRequiresGradient(false));
      return new Trained() {
        @Override
        public int[] predict(Data data) {
          PLoraObjective o =
              new PLoraObjective(
                  encoder,
                  POOLING,
                  head,
                  plora,
                  PLoraObjective.fromTable(plora, data.userOf()),
                  false);
          return PLoraRunner.this.predict(data, o::logits);
        }

        @Override
        public boolean enrols() {
          return true;
        }

        @Override
        public int[] fewShot(Data shots, Data test, double fewLr, int fewSteps, long fewSeed) {
          FewShotEnrolment.Result r =
              FewShotEnrolment.fit(
                  plora,
                  encoder,
                  POOLING,
                  head,
                  shots.examples(),
                  FewShotEnrolment.Config.builder()
                      .optSteps(fewSteps)
                      .optLearningRate(fewLr)
                      .optBatchSize(preset.batchSize())
                      .optSeed(fewSeed)
                      .build());
          try (NDManager f = m.newSubManager()) {
            NDArray v = f.create(r.vector());
            PLoraObjective o =
                new PLoraObjective(encoder, POOLING, head, plora, PLoraObjective.single(v), false);
            return PLoraRunner.this.predict(test, o::logits);
          }
        }

        @Override
        public void close() {
          plora.close();
          m.close();
        }
      };
    } catch (RuntimeException e) {
      plora.close();
      m.close();
      throw e;
    }
  }

  /** Trains {@code params} with AdamW, 5% linear warmup then linear decay. */
  private void fit(
      Map<String, NDArray> params,
      TrainingObjective objective,
      List<Example> train,
      double lr,
      int steps,
      long seed,
      List<TrainingListener> listeners) {
    fit(params, objective, train, lr, steps, seed, listeners, Map.of());
  }

  /** As above, with learning-rate multipliers by parameter-name prefix. */
  private void fit(
      Map<String, NDArray> params,
      TrainingObjective objective,
      List<Example> train,
      double lr,
      int steps,
      long seed,
      List<TrainingListener> listeners,
      Map<String, Double> lrMultipliers) {
    AdamW.Builder adam = AdamW.builder();
    lrMultipliers.forEach(adam::optLrMultiplier);
    Trainer.Builder b =
        Trainer.builder()
            .setParameters(TrainableParameters.of(params))
            .setObjective(objective)
            .setOptimizer(adam.build())
            .setSchedule(LearningRateSchedule.warmupLinear(lr, steps / 20, steps))
            .setTrainData(train)
            .setMaxSteps(steps)
            .optMicroBatchSize(Math.min(preset.batchSize(), train.size()))
            .optSeed(seed);
    listeners.forEach(b::addListener);
    try (Trainer t = b.build()) {
      t.train();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // no checkpoints are written
    }
  }

  /** Arg-max predictions over {@code data} in batches, without gradients. */
  private int[] predict(Data data, BiFunction<Batch, NDManager, NDArray> logits) {
    List<Example> ex = data.examples();
    int[] out = new int[ex.size()];
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int i = 0; i < ex.size(); i += EVAL_BATCH) {
        List<Example> chunk = ex.subList(i, Math.min(ex.size(), i + EVAL_BATCH));
        try (NDManager m = manager.newSubManager()) {
          long[] am = logits.apply(Batch.of(chunk, 0), m).argMax(-1).toLongArray();
          for (int k = 0; k < am.length; k++) {
            out[i + k] = (int) am[k];
          }
        }
      }
    }
    return out;
  }

  /** Builds the examples of {@code rows} for a {@code classes}-class task. */
  static Data data(List<RatingData.Row> rows, int classes, Map<String, long[]> ids) {
    List<Example> ex = new ArrayList<>();
    Map<Example, String> userOf = new IdentityHashMap<>();
    Map<Example, String> textOf = new IdentityHashMap<>();
    for (RatingData.Row r : rows) {
      Example e = Example.classification(ids.get(r.text()), RatingData.label(r.rating(), classes));
      ex.add(e);
      userOf.put(e, r.user());
      textOf.put(e, r.text());
    }
    return new Data(ex, userOf, textOf);
  }
}
