/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop: micro-batches with gradient accumulation, global-norm clipping, an optimizer
 * step at a scheduled learning rate, periodic evaluation and checkpoints, listeners.
 *
 * <p>Deterministic on CPU for a given seed: the data order derives from (seed, epoch), and the
 * engine's generator (dropout and any other sampling) is reseeded from (seed, step) before every
 * step, so a run resumed from a checkpoint continues exactly as the uninterrupted run would.
 *
 * <p>The loss of an optimizer step is the mean over all targets (tokens or examples) of all its
 * micro-batches: each micro-batch's summed loss is divided by the step's total target count before
 * its backward pass, so accumulating k micro-batches equals one batch k times larger.
 *
 * <p>Each step is a {@link TrainingStep#run} on micro-batches taken in {@link DataOrder}: the same
 * code a split-learning client runs, so that a split step equals an ordinary one.
 */
public final class Trainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

  private final TrainerConfig config;
  private final TrainableParameters params;
  private final TrainingObjective objective;
  private final Optimizer optimizer;
  private final LearningRateSchedule schedule;
  private final List<Example> train;
  private final List<Example> eval;
  private final List<TrainingListener> listeners;
  private final DataOrder order;
  private final NDManager manager;
  private final Context context = new Context();
  private long step;
  private long cursor;
  private String stopReason;

  private Trainer(Builder b) {
    this.config =
        new TrainerConfig(
            b.maxSteps,
            b.microBatchSize,
            b.gradientAccumulation,
            b.maxGradNorm,
            b.seed,
            b.shuffle,
            b.padId,
            b.evalEvery,
            b.evalBatchSize,
            b.checkpointDir,
            b.checkpointEvery,
            b.keepCheckpoints);
    this.params = Objects.requireNonNull(b.params, "setParameters is required");
    this.objective = Objects.requireNonNull(b.objective, "setObjective is required");
    this.optimizer = Objects.requireNonNull(b.optimizer, "setOptimizer is required");
    this.schedule = Objects.requireNonNull(b.schedule, "setSchedule is required");
    this.train = checkExamples("training", Objects.requireNonNull(b.train, "setTrainData"));
    this.eval =
        b.eval == null || b.eval.isEmpty() ? List.of() : checkExamples("evaluation", b.eval);
    this.listeners = List.copyOf(b.listeners);
    this.order = new DataOrder(train.size(), config.seed(), config.shuffle());
    if (config.evalEvery() > 0 && eval.isEmpty()) {
      throw new IllegalArgumentException("evalEvery is set but there is no evaluation data");
    }
    Map<String, TrainingListener> keys = new LinkedHashMap<>();
    for (TrainingListener l : listeners) {
      if (l.stateKey() != null && keys.put(l.stateKey(), l) != null) {
        throw new IllegalArgumentException("two listeners share the state key " + l.stateKey());
      }
    }
    this.manager = TensorRuntime.newManager(); // last: nothing to free if validation fails
  }

  /** A builder: {@code setX} settings are required, {@code optX} ones optional. */
  public static Builder builder() {
    return new Builder();
  }

  private static List<Example> checkExamples(String what, List<Example> examples) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no " + what + " examples");
    }
    boolean classification = examples.get(0).isClassification();
    for (int i = 0; i < examples.size(); i++) {
      Example e = examples.get(i);
      if (e.isClassification() != classification) {
        throw new IllegalArgumentException(
            what + " example " + i + " mixes classification and language modeling");
      }
      if (!classification && e.targetCount() == 0) {
        throw new IllegalArgumentException(
            what + " example " + i + " has no target token (all labels IGNORE or 1 token)");
      }
    }
    return List.copyOf(examples);
  }

  public TrainerConfig config() {
    return config;
  }

  /** Optimizer steps completed (restored by {@link #resume}). */
  public long step() {
    return step;
  }

  /**
   * Trains from the current step to {@code maxSteps}, or until a listener asks to stop.
   *
   * @throws IllegalStateException if the loss or gradient norm becomes NaN or infinite
   * @throws IOException if a checkpoint cannot be written
   */
  public TrainingResult train() throws IOException {
    List<StepMetrics> history = new ArrayList<>();
    List<EvalMetrics> evaluations = new ArrayList<>();
    Path lastCheckpoint = null;
    stopReason = null;
    listeners.forEach(l -> l.onTrainBegin(context));
    try {
      while (step < config.maxSteps() && stopReason == null) {
        StepMetrics m = trainStep();
        history.add(m);
        for (TrainingListener l : listeners) {
          l.onStep(context, m);
        }
        boolean last = step == config.maxSteps() || stopReason != null;
        if (!eval.isEmpty() && config.evalEvery() > 0 && (step % config.evalEvery() == 0 || last)) {
          EvalMetrics e = evaluate();
          evaluations.add(e);
          for (TrainingListener l : listeners) {
            l.onEvaluation(context, e);
          }
        }
        last = step == config.maxSteps() || stopReason != null;
        boolean every = config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0;
        if (config.checkpointDir() != null && (every || last)) {
          lastCheckpoint = saveCheckpoint(config.checkpointDir());
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      listeners.forEach(l -> l.onTrainEnd(context, e));
      throw e;
    }
    listeners.forEach(l -> l.onTrainEnd(context, null));
    return new TrainingResult(step, history, evaluations, stopReason, lastCheckpoint);
  }

  private StepMetrics trainStep() {
    long start = System.nanoTime();
    double lr = schedule.at(step);
    List<Batch> micro = new ArrayList<>();
    for (int i = 0; i < config.gradientAccumulation(); i++) {
      micro.add(order.batch(train, cursor, config.microBatchSize(), config.padId()));
      cursor += config.microBatchSize();
    }
    TrainingStep.Result r =
        TrainingStep.run(
            config.seed(),
            step,
            micro,
            objective,
            params,
            optimizer,
            lr,
            config.maxGradNorm(),
            manager);
    step++;
    double seconds = (System.nanoTime() - start) / 1e9;
    return new StepMetrics(
        step,
        r.loss(),
        lr,
        r.gradNorm(),
        r.targets(),
        r.tokens(),
        seconds,
        (double) cursor / train.size());
  }

  /** Mean loss (and accuracy, for classification) over the evaluation set, in its order. */
  public EvalMetrics evaluate() {
    if (eval.isEmpty()) {
      throw new IllegalStateException("no evaluation data");
    }
    TrainingObjective.Evaluation total = null;
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int i = 0; i < eval.size(); i += config.evalBatchSize()) {
        List<Example> chunk = eval.subList(i, Math.min(eval.size(), i + config.evalBatchSize()));
        try (NDManager m = manager.newSubManager()) {
          TrainingObjective.Evaluation e = objective.evaluate(Batch.of(chunk, config.padId()), m);
          total = total == null ? e : total.plus(e);
        }
      }
    }
    return new EvalMetrics(step, total.meanLoss(), total.accuracy(), total.targets());
  }

  /** Writes a checkpoint of the current state under {@code root} (atomically) and returns it. */
  public Path saveCheckpoint(Path root) throws IOException {
    return TrainerCheckpoints.save(this, root);
  }

  /**
   * Continues the run of a checkpoint: trainable tensors, optimizer state, step, data position and
   * listener states are restored. {@code checkpoint} is a checkpoint directory or a root holding
   * several (the newest is taken).
   *
   * @throws IOException naming the file and tensor if the checkpoint does not match these trainable
   *     parameters or this optimizer, or is invalid
   */
  public void resume(Path checkpoint) throws IOException {
    TrainerCheckpoints.restore(this, checkpoint);
  }

  // --- used by TrainerCheckpoints ---

  TrainableParameters parameters() {
    return params;
  }

  Optimizer optimizer() {
    return optimizer;
  }

  List<TrainingListener> listeners() {
    return listeners;
  }

  int trainSize() {
    return train.size();
  }

  long cursor() {
    return cursor;
  }

  void restorePosition(long step, long cursor) {
    this.step = step;
    this.cursor = cursor;
  }

  @Override
  public void close() {
    try {
      optimizer.close();
    } finally {
      manager.close();
    }
  }

  private final class Context implements TrainingContext {
    @Override
    public long step() {
      return step;
    }

    @Override
    public long maxSteps() {
      return config.maxSteps();
    }

    @Override
    public TrainerConfig config() {
      return config;
    }

    @Override
    public void requestStop(String reason) {
      if (stopReason == null) {
        stopReason = Objects.requireNonNull(reason, "reason");
        LOG.info("step {}: stopping: {}", step, reason);
      }
    }
  }

  /**
   * Builds a {@link Trainer} (from {@link Trainer#builder()}): {@code setX} settings are required,
   * {@code optX} ones optional with the defaults stated.
   */
  public static final class Builder {
    private TrainableParameters params;
    private TrainingObjective objective;
    private Optimizer optimizer;
    private LearningRateSchedule schedule;
    private List<Example> train;
    private List<Example> eval;
    private long maxSteps;
    private int microBatchSize = 8;
    private int gradientAccumulation = 1;
    private double maxGradNorm = 1.0;
    private long seed = 42;
    private boolean shuffle = true;
    private long padId;
    private int evalEvery;
    private int evalBatchSize = 8;
    private Path checkpointDir;
    private int checkpointEvery;
    private int keepCheckpoints;
    private final List<TrainingListener> listeners = new ArrayList<>();

    private Builder() {}

    public Builder setParameters(TrainableParameters params) {
      this.params = params;
      return this;
    }

    public Builder setObjective(TrainingObjective objective) {
      this.objective = objective;
      return this;
    }

    /** The optimizer; the trainer closes it. */
    public Builder setOptimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder setSchedule(LearningRateSchedule schedule) {
      this.schedule = schedule;
      return this;
    }

    public Builder setTrainData(List<Example> train) {
      this.train = train;
      return this;
    }

    public Builder setMaxSteps(long maxSteps) {
      this.maxSteps = maxSteps;
      return this;
    }

    public Builder optEvalData(List<Example> eval) {
      this.eval = eval;
      return this;
    }

    /** Default 8. */
    public Builder optMicroBatchSize(int microBatchSize) {
      this.microBatchSize = microBatchSize;
      return this;
    }

    /** Default 1. */
    public Builder optGradientAccumulation(int gradientAccumulation) {
      this.gradientAccumulation = gradientAccumulation;
      return this;
    }

    /** Default 1.0 (as Hugging Face's Trainer); 0 switches clipping off. */
    public Builder optMaxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    /** Default 42 (as Hugging Face's Trainer). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Default true. */
    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Default 0. */
    public Builder optPadId(long padId) {
      this.padId = padId;
      return this;
    }

    /** Evaluate every n steps and after the last (default 0: never). */
    public Builder optEvalEvery(int evalEvery) {
      this.evalEvery = evalEvery;
      return this;
    }

    /** Default 8. */
    public Builder optEvalBatchSize(int evalBatchSize) {
      this.evalBatchSize = evalBatchSize;
      return this;
    }

    /** Write checkpoints under {@code dir}: every n steps (0: only after the last). */
    public Builder optCheckpoints(Path dir, int every) {
      this.checkpointDir = dir;
      this.checkpointEvery = every;
      return this;
    }

    /** Keep only the newest n checkpoints (default 0: keep all). */
    public Builder optKeepCheckpoints(int keepCheckpoints) {
      this.keepCheckpoints = keepCheckpoints;
      return this;
    }

    public Builder addListener(TrainingListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }
}
