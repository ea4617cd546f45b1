/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.TrainableParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link SasRecModel} as the reference code does: per epoch, the training windows (see
 * {@link SasRecConfig#splitLongSequences()}) in a seeded random order, batches of {@link
 * SasRecConfig#batchSize()}, one fresh uniformly sampled negative per position, the BCE loss of
 * {@link SasRecLoss}, Adam (core's {@link AdamW} without weight decay, betas 0.9/0.98 as the
 * reference code) at {@link SasRecConfig#learningRate()}, dropout on.
 *
 * <p>With validation cases, after each epoch the model ranks all items for each validation history
 * (history items excluded, the target never) and the epoch with the best NDCG@10 is kept: its
 * weights are restored into the model at the end; training stops after {@link
 * SasRecConfig#patience()} epochs without improvement (0: never early).
 *
 * <p>Deterministic on CPU for a given seed: order, negatives and dropout masks come from Java
 * random streams derived from {@link SasRecConfig#seed()}.
 */
public final class SasRecTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SasRecTrainer.class);
  private static final int EVAL_K = 10;

  private final SasRecConfig config;
  private Consumer<SasRecEpoch> progress = e -> {};

  /** A trainer with the training settings of {@code config} (its model fields must match). */
  public SasRecTrainer(SasRecConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** Calls {@code listener} after every epoch (with its loss and validation metrics). */
  public SasRecTrainer onEpoch(Consumer<SasRecEpoch> listener) {
    this.progress = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /**
   * Creates a model from the config and trains it.
   *
   * @see #fit(SasRecModel, int[][], int[][], int[])
   */
  public Trained fit(int[][] trainSequences, int[][] validHistories, int[] validTargets) {
    SasRecModel model = SasRecModel.create(config);
    try {
      return new Trained(model, fit(model, trainSequences, validHistories, validTargets));
    } catch (RuntimeException | Error e) {
      model.close();
      throw e;
    }
  }

  /** A freshly trained model (close it) and how training went. */
  public record Trained(SasRecModel model, SasRecFitResult result) {}

  /**
   * Trains {@code model} in place.
   *
   * @param trainSequences each user's chronological training items ({@code 1..numItems})
   * @param validHistories validation histories (non-empty), or null for none
   * @param validTargets the next item of each validation history, or null for none
   * @throws IllegalArgumentException if the model's config differs from the trainer's in a model
   *     field, an item is out of range, or validation arrays differ in length
   * @throws IllegalStateException if the loss becomes non-finite
   */
  public SasRecFitResult fit(
      SasRecModel model, int[][] trainSequences, int[][] validHistories, int[] validTargets) {
    checkCompatible(model.config());
    boolean validate = validHistories != null || validTargets != null;
    if (validate) {
      Objects.requireNonNull(validHistories, "validHistories (validTargets were given)");
      Objects.requireNonNull(validTargets, "validTargets (validHistories were given)");
      if (validHistories.length != validTargets.length || validHistories.length == 0) {
        throw new IllegalArgumentException(
            "validation needs as many histories as targets, at least one: got "
                + validHistories.length
                + " and "
                + validTargets.length);
      }
      PaddedBatch.validate(validHistories, config.numItems());
    }
    TrainingWindows data = new TrainingWindows(trainSequences, config);
    long start = System.nanoTime();
    double trainSeconds = 0;
    List<SasRecEpoch> epochs = new ArrayList<>();
    int bestEpoch = 0;
    double bestHr = Double.NaN;
    double bestNdcg = Double.NaN;
    Map<String, float[]> best = null;
    boolean stoppedEarly = false;
    SasRecWeights w = model.weights();
    TrainableParameters params = TrainableParameters.of(w.asMap());
    SeededDropout dropout = new SeededDropout(config.dropout(), 0);
    int[] order = new int[data.size()];
    long step = 0;
    try (AdamW adam = AdamW.builder().optBetas(0.9, 0.98).optWeightDecay(0).build()) {
      for (int epoch = 1; epoch <= config.epochs(); epoch++) {
        long t0 = System.nanoTime();
        SplittableRandom random =
            new SplittableRandom(SasRecWeights.mix(config.seed() ^ SasRecWeights.mix(epoch)));
        shuffle(order, random);
        double lossSum = 0;
        long targetSum = 0;
        int steps = 0;
        for (int from = 0; from < order.length; from += config.batchSize()) {
          int to = Math.min(order.length, from + config.batchSize());
          TrainingWindows.Batch b = data.batch(order, from, to, random);
          dropout.restart(SasRecWeights.mix(~config.seed() ^ SasRecWeights.mix(++step)));
          double loss = step(w, params, adam, b, dropout);
          lossSum += loss * b.targets();
          targetSum += b.targets();
          steps++;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        trainSeconds += seconds;
        double hr = Double.NaN;
        double ndcg = Double.NaN;
        boolean isBest = !validate;
        if (validate) {
          RankingMetrics m = RankingMetrics.evaluate(model, validHistories, validTargets, EVAL_K);
          hr = m.hitRate();
          ndcg = m.ndcg();
          isBest = best == null || ndcg > bestNdcg;
          if (isBest) {
            best = w.snapshot();
          }
        }
        if (isBest) {
          bestEpoch = epoch;
          bestHr = hr;
          bestNdcg = ndcg;
        }
        SasRecEpoch report =
            new SasRecEpoch(epoch, lossSum / targetSum, steps, seconds, hr, ndcg, isBest);
        epochs.add(report);
        LOG.debug("{}", report);
        progress.accept(report);
        if (validate && config.patience() > 0 && epoch - bestEpoch >= config.patience()) {
          stoppedEarly = epoch < config.epochs();
          break;
        }
      }
    } finally {
      params.zeroGradients();
      params.freeze();
    }
    if (best != null && bestEpoch != epochs.size()) {
      w.copyFrom(best);
    }
    double total = (System.nanoTime() - start) / 1e9;
    return new SasRecFitResult(
        epochs, bestEpoch, bestHr, bestNdcg, stoppedEarly, trainSeconds, total);
  }

  private double step(
      SasRecWeights w,
      TrainableParameters params,
      AdamW adam,
      TrainingWindows.Batch b,
      SeededDropout dropout) {
    params.zeroGradients();
    double loss;
    try (NDManager m = w.manager().newSubManager();
        GradientCollector collector = TensorRuntime.engine().newGradientCollector()) {
      NDArray l = SasRecLoss.loss(config, w, b.inputs(), b.positives(), b.negatives(), m, dropout);
      collector.backward(l);
      loss = l.getFloat();
    }
    if (!Double.isFinite(loss)) {
      throw new IllegalStateException(
          "SASRec loss became "
              + loss
              + "; lower the learning rate ("
              + config.learningRate()
              + ")");
    }
    adam.step(params, config.learningRate());
    return loss;
  }

  /** Full-ranking HR@10 and NDCG@10 of {@code model} (history items excluded, target never). */
  static RankingMetrics evaluate(SasRecModel model, int[][] histories, int[] targets) {
    return RankingMetrics.evaluate(model, histories, targets, EVAL_K);
  }

  private void checkCompatible(SasRecConfig m) {
    boolean same =
        m.numItems() == config.numItems()
            && m.maxLen() == config.maxLen()
            && m.hiddenSize() == config.hiddenSize()
            && m.numBlocks() == config.numBlocks()
            && m.numHeads() == config.numHeads()
            && m.normFirst() == config.normFirst();
    if (!same) {
      throw new IllegalArgumentException(
          "the model's architecture " + m + " differs from the trainer's config " + config);
    }
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
