package io.persona4j.core.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link Trainer} (from {@link Trainer#builder()}): {@code setX} settings are required,
 * {@code optX} ones optional with the defaults stated.
 */
public final class TrainerBuilder {

  TrainableParameters params;
  TrainingObjective objective;
  Optimizer optimizer;
  LearningRateSchedule schedule;
  List<Example> train;
  List<Example> eval;
  long maxSteps;
  int microBatchSize = 8;
  int gradientAccumulation = 1;
  double maxGradNorm = 1.0;
  long seed = 42;
  boolean shuffle = true;
  long padId;
  int evalEvery;
  int evalBatchSize = 8;
  Path checkpointDir;
  int checkpointEvery;
  int keepCheckpoints;
  final List<TrainingListener> listeners = new ArrayList<>();

  TrainerBuilder() {}

  public TrainerBuilder setParameters(TrainableParameters params) {
    this.params = params;
    return this;
  }

  public TrainerBuilder setObjective(TrainingObjective objective) {
    this.objective = objective;
    return this;
  }

  /** The optimizer; the trainer closes it. */
  public TrainerBuilder setOptimizer(Optimizer optimizer) {
    this.optimizer = optimizer;
    return this;
  }

  public TrainerBuilder setSchedule(LearningRateSchedule schedule) {
    this.schedule = schedule;
    return this;
  }

  public TrainerBuilder setTrainData(List<Example> train) {
    this.train = train;
    return this;
  }

  public TrainerBuilder setMaxSteps(long maxSteps) {
    this.maxSteps = maxSteps;
    return this;
  }

  public TrainerBuilder optEvalData(List<Example> eval) {
    this.eval = eval;
    return this;
  }

  /** Default 8. */
  public TrainerBuilder optMicroBatchSize(int microBatchSize) {
    this.microBatchSize = microBatchSize;
    return this;
  }

  /** Default 1. */
  public TrainerBuilder optGradientAccumulation(int gradientAccumulation) {
    this.gradientAccumulation = gradientAccumulation;
    return this;
  }

  /** Default 1.0 (as Hugging Face's Trainer); 0 switches clipping off. */
  public TrainerBuilder optMaxGradNorm(double maxGradNorm) {
    this.maxGradNorm = maxGradNorm;
    return this;
  }

  /** Default 42 (as Hugging Face's Trainer). */
  public TrainerBuilder optSeed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Default true. */
  public TrainerBuilder optShuffle(boolean shuffle) {
    this.shuffle = shuffle;
    return this;
  }

  /** Default 0. */
  public TrainerBuilder optPadId(long padId) {
    this.padId = padId;
    return this;
  }

  /** Evaluate every n steps and after the last (default 0: never). */
  public TrainerBuilder optEvalEvery(int evalEvery) {
    this.evalEvery = evalEvery;
    return this;
  }

  /** Default 8. */
  public TrainerBuilder optEvalBatchSize(int evalBatchSize) {
    this.evalBatchSize = evalBatchSize;
    return this;
  }

  /** Write checkpoints under {@code dir}: every n steps (0: only after the last). */
  public TrainerBuilder optCheckpoints(Path dir, int every) {
    this.checkpointDir = dir;
    this.checkpointEvery = every;
    return this;
  }

  /** Keep only the newest n checkpoints (default 0: keep all). */
  public TrainerBuilder optKeepCheckpoints(int keepCheckpoints) {
    this.keepCheckpoints = keepCheckpoints;
    return this;
  }

  public TrainerBuilder addListener(TrainingListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  public Trainer build() {
    return new Trainer(this);
  }
}
