/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.lora.LoraClientApp;
import io.persona4j.federated.lora.LoraClientConfig;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.strategy.FellRec;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Chooses the taste presets' learning rate, local steps and FELLRec's heating temperature on
 * validation data only (the test samples are never read). One seed (the preset's first):
 *
 * <ol>
 *   <li>every (learning rate, local steps) of the grid trains the given methods for the preset's
 *       rounds; a point's score is its lowest mean validation loss over the rounds, the grid's
 *       choice the point with the lowest score averaged over the methods;
 *   <li>with that choice, {@link Method#FELLREC_TUNED_TEMPERATURE} runs once per temperature; a
 *       temperature <em>saturates</em> when no client's heating weight is below 0.99 in round 1 and
 *       rises by at least 0.01 by the last round (the curriculum never heats); the choice is the
 *       non-saturating temperature with the lowest validation loss (none when all saturate).
 * </ol>
 *
 * <p>Besides the loss, each point reports the validation HR@1 of the 20 candidates (likelihood
 * protocol) at its best round and the share of validation users whose top-ranked candidate differs
 * from the base model's (the zero-B initial adapter), the direct measure of how far the adapters
 * move the ranking.
 */
public final class FellRecSweep {
  /** A heating weight below this in round 1 counts as the curriculum acting on a client. */
  static final double HEATED_BELOW = 0.99;

  /** The rise of the heating weight between the first and the last round that counts as heating. */
  static final double MIN_RISE = 0.01;

  /**
   * One trained configuration.
   *
   * @param validLoss mean validation loss after each round
   * @param bestRound the round with the lowest mean validation loss (1-based)
   * @param validHr1 validation HR@1 (20 candidates) at {@code bestRound}
   * @param changedTop1 share of validation users whose top candidate differs from the base model's
   * @param heating {@code [round - 1][client]} FELLRec's heating weights (empty for other methods)
   * @param similarityRange {@code [round - 1]} smallest and largest similarity {@code (cos + 1) /
   *     2} between two clients' trained parameters (empty without a server)
   */
  public record Point(
      Method method,
      double lr,
      int steps,
      double temperature,
      double[] validLoss,
      int bestRound,
      double validHr1,
      double changedTop1,
      double[][] heating,
      double[][] similarityRange,
      double seconds) {
    /** The lowest mean validation loss over the rounds. */
    public double bestLoss() {
      return validLoss[bestRound - 1];
    }

    /** Whether FELLRec's heating never acted or never heated up (see {@link FellRecSweep}). */
    public boolean saturated() {
      if (heating.length == 0) {
        return true;
      }
      double[] first = heating[0];
      double[] last = heating[heating.length - 1];
      for (int c = 0; c < first.length; c++) {
        if (first[c] < HEATED_BELOW && last[c] - first[c] >= MIN_RISE) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The sweep's outcome.
   *
   * @param baseValidHr1 validation HR@1 of the base model (no adapter)
   * @param baseValidLoss mean validation loss of the base model (no adapter), as the rounds'
   * @param chosenTemperature the chosen temperature, NaN when every temperature saturates
   */
  public record Result(
      FellRecPreset preset,
      long seed,
      List<String> clientIds,
      double baseValidHr1,
      double baseValidLoss,
      List<Point> grid,
      double chosenLr,
      int chosenSteps,
      List<Point> temperatures,
      double chosenTemperature,
      double seconds) {}

  private FellRecSweep() {}

  /**
   * Runs the sweep.
   *
   * @param baseModel the frozen base (null: pre-train it into {@code work/base-model})
   */
  public static Result run(
      FellRecPreset preset,
      Path dataDir,
      Path baseModel,
      Path work,
      List<Double> lrs,
      List<Integer> steps,
      List<Method> methods,
      List<Double> temperatures,
      Consumer<String> log)
      throws IOException {
    if (lrs.isEmpty() || steps.isEmpty() || methods.isEmpty()) {
      throw new IllegalArgumentException("the sweep needs at least one lr, step count and method");
    }
    long start = System.nanoTime();
    long seed = preset.seeds().get(0);
    PreparedData data = PreparedData.load(dataDir, preset.selection(), log);
    ItemCatalog catalog = data.catalog();
    LlaraPromptConfig promptConfig =
        LlaraPromptConfig.movies(preset.finetune().maxPrompt())
            .withTemplate(FellRecExperiment.OPEN_TEMPLATE);
    if (preset.grouping() != FellRecPreset.Grouping.GENRE_KMEANS) {
      throw new IllegalArgumentException(
          "the sweep runs on the taste presets (grouping GENRE_KMEANS), preset "
              + preset.name()
              + " groups by "
              + preset.grouping());
    }
    TasteClients.Grouping tastes =
        TasteClients.group(data, preset.clients(), preset.noisyUsers(), PreparedData.SEED);
    Path base = baseModel;
    if (base == null) {
      base = work.resolve("base-model");
      FellRecExperiment.pretrain(preset, data, catalog, promptConfig, base, log);
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(base, m);
        Tokenizer tok = Tokenizer.fromDirectory(base);
        LoraModel lora = LoraModel.of(lm, m)) {
      LlaraPrompt prompt = new LlaraPrompt(tok, catalog, promptConfig);
      ClientEvaluator ranker =
          new ClientEvaluator(
              lm,
              lora,
              prompt,
              new TextEmbedder(lm, tok, 1, 1),
              new float[1][1],
              s -> new int[0],
              1,
              preset.finetune().evalBatch());
      List<ClientData> clients =
          ClientSplit.clients(
              data,
              tastes.partition(),
              prompt,
              preset.evalUsersPerClient(),
              tastes.noisyClient(),
              PreparedData.SEED);
      LoraConfig loraConfig =
          LoraConfig.builder()
              .optR(preset.finetune().rank())
              .optAlpha(preset.finetune().alpha())
              .optDropout(preset.finetune().dropout())
              .optTargets("q_proj", "v_proj")
              .build();
      for (ClientData c : clients) {
        lora.add(c.id(), loraConfig, seed);
      }
      lora.add(MethodRunner.CENTRAL, loraConfig, seed);
      lora.add("init", loraConfig, seed);
      ParameterSet init = LoraParameters.read(lora, "init");
      lora.delete("init");
      Map<String, int[]> baseTop = new LinkedHashMap<>();
      for (ClientData c : clients) {
        baseTop.put(c.id(), ranker.top1(c.id(), init, c.validSamples()));
      }
      double baseHr1 = hr1(clients, baseTop);
      double baseLoss =
          validationLoss(lm, lora, clients, init, prompt.padId(), preset.finetune().batch());
      log.accept(
          String.format(
              "sweep: base model validation HR@1 %.4f, validation loss %.4f", baseHr1, baseLoss));
      Context ctx = new Context(lm, lora, clients, prompt, ranker, baseTop, init, seed, log);
      List<Point> grid = new ArrayList<>();
      double bestScore = Double.POSITIVE_INFINITY;
      double chosenLr = Double.NaN;
      int chosenSteps = -1;
      for (double lr : lrs) {
        for (int s : steps) {
          FellRecPreset p = withTraining(preset, lr, s);
          double score = 0;
          for (Method method : methods) {
            Point point = ctx.train(p, method);
            grid.add(point);
            score += point.bestLoss() / methods.size();
          }
          if (score < bestScore) {
            bestScore = score;
            chosenLr = lr;
            chosenSteps = s;
          }
        }
      }
      log.accept(String.format("sweep: chose lr %s, %d local steps", chosenLr, chosenSteps));
      List<Point> temps = new ArrayList<>();
      double chosenT = Double.NaN;
      double bestT = Double.POSITIVE_INFINITY;
      FellRecPreset tuned = withTraining(preset, chosenLr, chosenSteps);
      for (double t : temperatures) {
        Point point =
            ctx.train(
                tuned.toBuilder().optTunedTemperature(t).build(), Method.FELLREC_TUNED_TEMPERATURE);
        temps.add(point);
        if (!point.saturated() && point.bestLoss() < bestT) {
          bestT = point.bestLoss();
          chosenT = t;
        }
      }
      log.accept("sweep: chose heating temperature " + chosenT);
      return new Result(
          preset,
          seed,
          clients.stream().map(ClientData::id).toList(),
          baseHr1,
          baseLoss,
          grid,
          chosenLr,
          chosenSteps,
          temps,
          chosenT,
          (System.nanoTime() - start) / 1e9);
    }
  }

  /** {@code preset} with this constant learning rate and these local steps per round. */
  public static FellRecPreset withTraining(FellRecPreset preset, double lr, int steps) {
    return preset.toBuilder()
        .setFinetune(preset.finetune().toBuilder().optLr(lr).setSteps(steps).build())
        .optSelectCheckpoint(true)
        .build();
  }

  /** Mean per-token validation loss with {@code params} on every client (weighted by examples). */
  static double validationLoss(
      LlamaModel model,
      LoraModel lora,
      List<ClientData> clients,
      ParameterSet params,
      long padId,
      int batch) {
    double sum = 0;
    long n = 0;
    LoraClientConfig config =
        LoraClientConfig.builder()
            .setLearningRate(1e-3)
            .setLocalSteps(1)
            .optMicroBatchSize(batch)
            .optPadId(padId)
            .build();
    for (ClientData c : clients) {
      Reply r =
          new LoraClientApp(model, lora, c.id(), c.valid(), config)
              .evaluate(new Instruction(Instruction.Task.EVALUATE, 1, c.id(), params, Map.of()));
      sum += r.metrics().get(Reply.LOSS) * c.valid().size();
      n += c.valid().size();
    }
    return sum / n;
  }

  private static double hr1(List<ClientData> clients, Map<String, int[]> top) {
    int hits = 0;
    int n = 0;
    for (ClientData c : clients) {
      int[] t = top.get(c.id());
      for (int i = 0; i < t.length; i++) {
        RecSample s = c.validSamples().get(i);
        hits += t[i] == s.targetIndex() ? 1 : 0;
        n++;
      }
    }
    return n == 0 ? Double.NaN : (double) hits / n;
  }

  /** What every training of the sweep shares. */
  private record Context(
      LlamaModel model,
      LoraModel lora,
      List<ClientData> clients,
      LlaraPrompt prompt,
      ClientEvaluator ranker,
      Map<String, int[]> baseTop,
      ParameterSet init,
      long seed,
      Consumer<String> log) {
    Context {
      Objects.requireNonNull(model, "model");
    }

    Point train(FellRecPreset p, Method method) throws IOException {
      long t0 = System.nanoTime();
      MethodRunner.Run run =
          new MethodRunner(model, lora, clients, p, prompt.padId()).run(method, seed, init);
      Map<String, int[]> top = new LinkedHashMap<>();
      int changed = 0;
      int n = 0;
      for (ClientData c : clients) {
        String adapter = method == Method.CENTRALIZED ? MethodRunner.CENTRAL : c.id();
        int[] t = ranker.top1(adapter, run.finalParameters().get(c.id()), c.validSamples());
        top.put(c.id(), t);
        int[] b = baseTop.get(c.id());
        for (int i = 0; i < t.length; i++) {
          changed += t[i] != b[i] ? 1 : 0;
          n++;
        }
      }
      double[][] heating = new double[0][];
      if (method.fellrecVariant()) {
        FellRec.Config config = method.fellrecConfig(p);
        double[][] losses = run.trainLossPerClient();
        heating = new double[losses.length][];
        for (int e = 0; e < losses.length; e++) {
          heating[e] = FellRec.heating(losses[e], e, config);
        }
      }
      Point point =
          new Point(
              method,
              p.finetune().lr(),
              Math.toIntExact(p.finetune().steps()),
              method.fellrecVariant() ? method.fellrecConfig(p).temperature() : Double.NaN,
              run.validLoss(),
              run.selectedRound(),
              hr1(clients, top),
              n == 0 ? Double.NaN : (double) changed / n,
              heating,
              run.similarityRange(),
              (System.nanoTime() - t0) / 1e9);
      log.accept(
          String.format(
              "sweep: %s lr %s steps %d%s: best validation loss %.4f (round %d), validation HR@1"
                  + " %.4f, top-1 changed vs base %.3f, %.0f s",
              method.label(),
              point.lr(),
              point.steps(),
              method.fellrecVariant() ? " temperature " + point.temperature() : "",
              point.bestLoss(),
              point.bestRound(),
              point.validHr1(),
              point.changedTop1(),
              point.seconds()));
      return point;
    }
  }
}
