/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDArray;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraDropoutReseeding;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraTrainingObjective;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.EvalMetrics;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LossPlot;
import io.persona4j.core.train.MetricsJsonl;
import io.persona4j.core.train.ProgressListener;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingObjective;
import io.persona4j.core.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes a LoRA adapter (and, for classification, a head saved as PEFT {@code modules_to_save})
 * and saves it: the part of {@code persona4j train} that {@code persona4j demo} shares. Writes into
 * {@code out}: the adapter in PEFT layout ({@code adapter_config.json}, {@code
 * adapter_model.safetensors}), {@code metrics.jsonl}, {@code loss.png} and, if asked for, {@code
 * checkpoints/}.
 */
final class LoraFineTune {
  /** The name of the trained adapter inside the {@link LoraModel} (PEFT's default). */
  static final String ADAPTER = "default";

  /**
   * What to train: the objective over the adapted model, the adapter's config, and parameters
   * trained beside the adapter and saved with it as {@code modules_to_save} (by parameter path,
   * e.g. {@code classifier.weight}; empty for language modeling).
   */
  record Task(TrainingObjective objective, LoraConfig config, Map<String, NDArray> extra) {
    Task {
      extra = Map.copyOf(extra);
    }
  }

  /** What a run did. */
  record Summary(
      long steps,
      long stepsRun,
      double firstLoss,
      double finalLoss,
      Double evalLoss,
      Double evalAccuracy,
      long trainable,
      long total,
      double seconds,
      long tokens,
      Path out) {
    void print(PrintStream err) {
      if (stepsRun == 0) {
        // A resumed run that had already reached its last step: no loss to report.
        err.printf(
            "nothing to train: the run in %s already finished at step %d of %d; raise"
                + " --max-steps (or --epochs) to train further%n",
            out.resolve("checkpoints"), steps, steps);
        err.println("adapter: " + out);
        return;
      }
      err.printf(
          "trained %d steps%s in %.1f s (%.0f tokens/s): train loss %.4f -> %.4f%s%n",
          stepsRun,
          stepsRun == steps ? "" : " (resumed; now at step " + steps + ")",
          seconds,
          tokens / Math.max(seconds, 1e-9),
          firstLoss,
          finalLoss,
          evalLoss == null
              ? ""
              : String.format(", eval loss %.4f", evalLoss)
                  + (evalAccuracy == null
                      ? ""
                      : String.format(", eval accuracy %.4f", evalAccuracy)));
      err.printf(
          "trainable parameters: %,d of %,d (%.3f%%)%n",
          trainable, total, 100.0 * trainable / total);
      err.println("adapter: " + out);
      err.println("metrics: " + out.resolve("metrics.jsonl"));
      err.println("loss plot: " + out.resolve("loss.png"));
    }
  }

  private LoraFineTune() {}

  /**
   * Adds adapter {@link #ADAPTER} to {@code lora}, trains it (with the task's extra parameters) and
   * saves it to {@code out}; the adapter stays active (in inference mode) afterwards. The caller
   * has validated {@code o} against the model.
   */
  static Summary run(
      Task task, LoraModel lora, TrainOptions o, List<Example> train, List<Example> eval, Path out)
      throws IOException {
    if (train.isEmpty()) {
      throw new IllegalArgumentException("no training examples");
    }
    long steps = o.steps(train.size());
    Path checkpoints = out.resolve("checkpoints");
    if (o.resume && !Files.isDirectory(checkpoints)) {
      throw new IllegalArgumentException(
          "--resume: no checkpoints in " + checkpoints + " (train with --checkpoint-every first)");
    }
    Files.createDirectories(out);
    lora.add(ADAPTER, task.config(), o.seed);
    lora.activate(ADAPTER);
    lora.train(true);
    Map<String, NDArray> trainable = new LinkedHashMap<>(lora.trainableParameters());
    trainable.putAll(task.extra());
    TrainableParameters params = TrainableParameters.of(trainable);
    long start = System.nanoTime();
    Trainer.Builder b =
        Trainer.builder()
            .setParameters(params)
            .setObjective(new LoraTrainingObjective(task.objective(), lora))
            .setOptimizer(AdamW.builder().build())
            .setSchedule(o.schedule(steps))
            .setTrainData(train)
            .setMaxSteps(steps)
            .optMicroBatchSize(o.batchSize)
            .optGradientAccumulation(o.gradAccum)
            .optSeed(o.seed)
            .addListener(new LoraDropoutReseeding(lora.units(ADAPTER), o.seed))
            .addListener(ProgressListener.auto())
            .addListener(new MetricsJsonl(out.resolve("metrics.jsonl")))
            .addListener(new LossPlot(out.resolve("loss.png")));
    if (!eval.isEmpty()) {
      b.optEvalData(eval).optEvalEvery(o.evalEvery > 0 ? o.evalEvery : (int) steps);
    }
    if (o.checkpointEvery > 0 || o.resume) {
      b.optCheckpoints(checkpoints, o.checkpointEvery);
    }
    TrainingResult r;
    try (Trainer trainer = b.build()) {
      if (o.resume) {
        trainer.resume(checkpoints);
      }
      r = trainer.train();
    } finally {
      lora.train(false);
    }
    lora.save(ADAPTER, out, task.extra());
    double[] losses = r.losses();
    List<EvalMetrics> evals = r.evaluations();
    long tokens = r.history().stream().mapToLong(s -> s.tokens()).sum();
    var counts = lora.parameterCounts();
    long extra = task.extra().values().stream().mapToLong(a -> a.size()).sum();
    EvalMetrics last = evals.isEmpty() ? null : evals.get(evals.size() - 1);
    return new Summary(
        r.steps(),
        r.history().size(),
        losses.length == 0 ? Double.NaN : losses[0],
        losses.length == 0 ? Double.NaN : losses[losses.length - 1],
        last == null ? null : last.loss(),
        last == null || Double.isNaN(last.accuracy()) ? null : last.accuracy(),
        counts.trainable() + extra,
        counts.total() + extra,
        (System.nanoTime() - start) / 1e9,
        tokens,
        out);
  }
}
