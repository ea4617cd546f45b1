/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.plora.PLoraConfig;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.adapters.plora.PLoraObjective;
import io.persona4j.adapters.plora.PLoraReseeding;
import io.persona4j.adapters.plora.PLoraUserOrder;
import io.persona4j.adapters.plora.UserTable;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.EvalMetrics;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import io.persona4j.core.train.LossPlot;
import io.persona4j.core.train.MetricsJsonl;
import io.persona4j.core.train.ProgressListener;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code persona4j train --method plora}: a PLoRA adapter on a BERT encoder from {@code
 * {"text","label","user"}} rows. Every user id of the training rows gets a vector (zeros at first,
 * as the authors initialise E), trained with A, B, P and the head; rows without a user train the
 * user-free path. Writes the adapter (see {@code PLoraFiles}), {@code classifier.json}, {@code
 * metrics.jsonl} and {@code loss.png} into {@code --out}.
 */
final class PLoraTrain {
  private PLoraTrain() {}

  /** Rows with their users, as read. */
  record Rows(List<Example> examples, List<String> users) {}

  static int run(Path model, Path data, Path evalData, Path out, TrainOptions o, PLoraConfig config)
      throws IOException {
    java.io.PrintStream err = System.err;
    Path checkpoints = out.resolve("checkpoints");
    if (o.resume && !Files.isDirectory(checkpoints)) {
      throw new IllegalArgumentException(
          "--resume: no checkpoints in " + checkpoints + " (train with --checkpoint-every first)");
    }
    ClassLabels labels = ClassLabels.scan(data, o.pooling.pooling);
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        ClassificationHead head =
            ClassificationHead.create(
                bert.config().hiddenSize(), labels.size(), 0.02f, o.seed, m)) {
      o.validate(bert.config().maxPositionEmbeddings());
      Rows train = read(data, tok, o, labels);
      Rows eval = evalData == null ? null : read(evalData, tok, o, labels);
      Set<String> users = new LinkedHashSet<>();
      for (String u : train.users()) {
        if (u != null) {
          users.add(checkUser(data, u));
        }
      }
      long noUser = train.users().stream().filter(u -> u == null).count();
      err.printf(
          "train: %d examples from %s (%d users, %d rows without a user)%s%n",
          train.examples().size(),
          data,
          users.size(),
          noUser,
          eval == null ? "" : ", " + eval.examples().size() + " from " + evalData);
      err.printf(
          "classes (%d): %s; %s pooling; PLoRA r %d, alpha %s, dropout %s, d_u %d, p_rate %s,"
              + " mim %s%n",
          labels.size(),
          labels.names(),
          o.pooling,
          config.lora().r(),
          config.lora().loraAlpha(),
          config.lora().loraDropout(),
          config.userDim(),
          config.pRate(),
          config.mim());
      try (PLoraModel plora = PLoraModel.create(bert, config, o.seed, m)) {
        plora.setBaseModelFingerprint(ModelFingerprint.of(model));
        for (String u : users) {
          plora.users().put(u, new float[config.userDim()]);
        }
        plora.setTrainable(true, true);
        Map<Example, String> userOf = new IdentityHashMap<>();
        put(userOf, train);
        if (eval != null) {
          put(userOf, eval);
        }
        PLoraObjective objective =
            new PLoraObjective(
                (ids, mask) -> bert.forward(ids, mask, null),
                o.pooling.pooling,
                head,
                plora,
                PLoraObjective.fromTable(plora, userOf),
                true);
        Map<String, NDArray> params = new LinkedHashMap<>(plora.trainableParameters());
        params.putAll(head.parameters());
        long steps = o.steps(train.examples().size());
        Files.createDirectories(out);
        Trainer.Builder b =
            Trainer.builder()
                .setParameters(TrainableParameters.of(params))
                .setObjective(objective)
                .setOptimizer(AdamW.builder().build())
                .setSchedule(o.schedule(steps))
                .setTrainData(train.examples())
                .setMaxSteps(steps)
                .optMicroBatchSize(o.batchSize)
                .optGradientAccumulation(o.gradAccum)
                .optSeed(o.seed)
                .addListener(new PLoraReseeding(plora, o.seed))
                .addListener(new PLoraUserOrder(plora))
                .addListener(ProgressListener.auto())
                .addListener(new MetricsJsonl(out.resolve("metrics.jsonl")))
                .addListener(new LossPlot(out.resolve("loss.png")));
        if (eval != null) {
          b.optEvalData(eval.examples()).optEvalEvery(o.evalEvery > 0 ? o.evalEvery : (int) steps);
        }
        if (o.checkpointEvery > 0 || o.resume) {
          b.optCheckpoints(checkpoints, o.checkpointEvery);
        }
        long start = System.nanoTime();
        TrainingResult r;
        plora.train(true);
        try (Trainer trainer = b.build()) {
          if (o.resume) {
            trainer.resume(checkpoints);
          }
          r = trainer.train();
        } finally {
          plora.train(false);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        plora.save(out, head.parameters());
        labels.write(out);
        double[] losses = r.losses();
        List<EvalMetrics> evals = r.evaluations();
        long trainable = params.values().stream().mapToLong(NDArray::size).sum();
        long tableSize = plora.users().table() == null ? 0 : plora.users().table().size();
        long stepsRun = r.history().size();
        if (stepsRun == 0) {
          // A resumed run that had already reached its last step: no loss to report.
          err.printf(
              "nothing to train: the run in %s already finished at step %d of %d; raise"
                  + " --max-steps (or --epochs) to train further%n",
              checkpoints, r.steps(), steps);
        } else {
          err.printf(
              "trained %d steps%s in %.1f s: train loss %.4f -> %.4f%s%n",
              stepsRun,
              stepsRun == r.steps() ? "" : " (resumed; now at step " + r.steps() + ")",
              seconds,
              losses[0],
              losses[losses.length - 1],
              evals.isEmpty()
                  ? ""
                  : String.format(
                      ", eval loss %.4f, eval accuracy %.4f",
                      evals.get(evals.size() - 1).loss(), evals.get(evals.size() - 1).accuracy()));
        }
        err.printf(
            "trainable parameters: %,d shared (A, B, P, head) + %,d in %d user vectors%n",
            trainable - tableSize, tableSize, plora.users().size());
        err.println("adapter: " + out + " (PLoRA; users in plora_users.safetensors)");
        err.println("metrics: " + out.resolve("metrics.jsonl"));
        err.println("loss plot: " + out.resolve("loss.png"));
      }
    }
    return 0;
  }

  private static void put(Map<Example, String> userOf, Rows rows) {
    for (int i = 0; i < rows.examples().size(); i++) {
      if (rows.users().get(i) != null) {
        userOf.put(rows.examples().get(i), rows.users().get(i));
      }
    }
  }

  /** Reads {@code {"text","label","user"}} rows with the classes of {@code labels}. */
  static Rows read(Path file, Tokenizer tok, TrainOptions o, ClassLabels labels)
      throws IOException {
    JsonlDataset d = TrainCommand.load(file, tok, o, labels, true);
    return new Rows(d.examples(), new ArrayList<>(d.users()));
  }

  /** {@code id} if it is a valid user id, else a {@link DatasetException} naming the file. */
  static String checkUser(Path file, String id) throws DatasetException {
    try {
      return UserTable.checkId(id);
    } catch (IllegalArgumentException e) {
      throw new DatasetException(file, "field 'user': " + e.getMessage());
    }
  }
}
