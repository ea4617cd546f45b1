/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Encoder;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * PLoRA's few-shot plug-and-play: fits one new user's vector {@code p_u} from a handful of labelled
 * examples, starting from zeros, with everything else frozen (encoder, A, B, P, the user table and
 * the head), personalized dropout and the MI term off, as the authors' few-shot stage does. A user
 * with fewer examples than asked for uses what it has. The shared adapter is not touched: only the
 * returned vector differs, so adding it ({@link UserTable#put}) changes the user table alone.
 */
public final class FewShotEnrolment {
  private FewShotEnrolment() {}

  /**
   * How the vector is fitted.
   *
   * @param steps optimizer steps, >= 1
   * @param learningRate AdamW's learning rate (the authors use 10x the shared training's)
   * @param batchSize examples per step (all of them when there are fewer), >= 1
   * @param weightDecay AdamW's decoupled weight decay, >= 0
   * @param dropout whether the adapter's dropouts are on while fitting (the authors train in train
   *     mode)
   * @param seed seed of the data order and dropout masks
   */
  public record Config(
      int steps,
      double learningRate,
      int batchSize,
      double weightDecay,
      boolean dropout,
      long seed) {
    public Config {
      if (steps < 1 || batchSize < 1) {
        throw new IllegalArgumentException(
            "steps and batchSize must be >= 1, got " + steps + ", " + batchSize);
      }
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
      }
    }

    /** A builder with the defaults: 30 steps, lr 1e-2, batch 16, no weight decay, dropout on. */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
      return new Builder()
          .optSteps(steps)
          .optLearningRate(learningRate)
          .optBatchSize(batchSize)
          .optWeightDecay(weightDecay)
          .optDropout(dropout)
          .optSeed(seed);
    }

    /** Builds a {@link Config}; every setting optional ({@code optX}). */
    public static final class Builder {
      private int steps = 30;
      private double learningRate = 1e-2;
      private int batchSize = 16;
      private double weightDecay;
      private boolean dropout = true;
      private long seed = 42;

      private Builder() {}

      /** Optimizer steps (default 30). */
      public Builder optSteps(int steps) {
        this.steps = steps;
        return this;
      }

      /** Learning rate (default 1e-2). */
      public Builder optLearningRate(double learningRate) {
        this.learningRate = learningRate;
        return this;
      }

      /** Examples per step (default 16). */
      public Builder optBatchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Weight decay (default 0). */
      public Builder optWeightDecay(double weightDecay) {
        this.weightDecay = weightDecay;
        return this;
      }

      /** Dropouts on while fitting (default true). */
      public Builder optDropout(boolean dropout) {
        this.dropout = dropout;
        return this;
      }

      /** Seed (default 42). */
      public Builder optSeed(long seed) {
        this.seed = seed;
        return this;
      }

      public Config build() {
        return new Config(steps, learningRate, batchSize, weightDecay, dropout, seed);
      }
    }
  }

  /**
   * What a fit produced.
   *
   * @param vector the fitted {@code p_u [d_u]}
   * @param examples examples used
   * @param steps steps taken
   * @param firstLoss mean loss of the first step
   * @param finalLoss mean loss of the last step
   * @param seconds wall time of the fit
   */
  public record Result(
      float[] vector,
      int examples,
      long steps,
      double firstLoss,
      double finalLoss,
      double seconds) {
    public Result {
      vector = vector.clone();
    }

    @Override
    public float[] vector() {
      return vector.clone();
    }
  }

  /**
   * Fits a vector for a new user from {@code examples} (classification examples). The model's
   * trainable flags, mode and the head's gradient flags are restored afterwards.
   *
   * @throws IllegalArgumentException if there are no examples or they are not classification
   *     examples
   */
  public static Result fit(
      PLoraModel plora,
      Encoder encoder,
      Pooling pooling,
      ClassificationHead head,
      List<Example> examples,
      Config config) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("few-shot enrolment needs at least one example");
    }
    for (Example e : examples) {
      if (!e.isClassification()) {
        throw new IllegalArgumentException("few-shot enrolment needs classification examples");
      }
    }
    long start = System.nanoTime();
    boolean wasTraining = plora.training();
    Map<String, NDArray> headParams = head.parameters();
    Map<NDArray, Boolean> headGrad = new IdentityHashMap<>();
    headParams.values().forEach(a -> headGrad.put(a, a.hasGradient()));
    boolean tableGrad = plora.users().table() != null && plora.users().table().hasGradient();
    boolean sharedGrad =
        plora.layers().values().stream().findFirst().map(l -> l.a().hasGradient()).orElse(false);
    NDManager base = plora.layers().values().iterator().next().a().getManager();
    try (NDManager m = base.newSubManager()) {
      plora.setTrainable(false, false);
      headParams.values().forEach(a -> a.setRequiresGradient(false));
      NDArray v = m.zeros(new Shape(1, plora.config().userDim())); // the new user's p_u
      TrainableParameters params = TrainableParameters.of(Map.of("user_vector", v));
      PLoraObjective objective =
          new PLoraObjective(encoder, pooling, head, plora, PLoraObjective.single(v), false);
      plora.train(config.dropout());
      List<Example> data = new ArrayList<>(examples);
      TrainingResult r;
      try (Trainer trainer =
          Trainer.builder()
              .setParameters(params)
              .setObjective(objective)
              .setOptimizer(AdamW.builder().optWeightDecay(config.weightDecay()).build())
              .setSchedule(LearningRateSchedule.constant(config.learningRate()))
              .setTrainData(data)
              .setMaxSteps(config.steps())
              .optMicroBatchSize(Math.min(config.batchSize(), data.size()))
              .optSeed(config.seed())
              .addListener(new PLoraReseeding(plora, config.seed()))
              .build()) {
        r = trainer.train();
      } catch (IOException e) {
        throw new UncheckedIOException(e); // no checkpoints are written
      }
      double[] losses = r.losses();
      float[] vector = v.toFloatArray();
      return new Result(
          vector,
          data.size(),
          r.steps(),
          losses[0],
          losses[losses.length - 1],
          (System.nanoTime() - start) / 1e9);
    } finally {
      plora.train(wasTraining);
      plora.setTrainable(sharedGrad, tableGrad);
      headGrad.forEach(NDArray::setRequiresGradient);
    }
  }
}
