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
import io.persona4j.core.train.Pretraining;
import io.persona4j.experiments.common.BaseModels;
import io.persona4j.experiments.common.HistoryCorpus;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.common.SasRecTraining;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.rec.data.ClientPartition;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.eval.RankingMetrics;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.sasrec.SasRecModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code persona4j fed experiment fellrec}: federated LLM recommendation on MovieLens with users
 * grouped into clients by K-means, comparing local-only training, FedAvg-LoRA, FedProx-LoRA,
 * FELLRec and centralized LoRA on the same frozen base model, data and seeds. Each client's model
 * is evaluated on its own users' test samples; metrics are pooled over all clients' samples (the
 * clients weighted by their test sizes).
 *
 * <p>Prompts are BIGRec-style open prompts ({@link #OPEN_TEMPLATE}: the history, no candidates),
 * trained with cross-entropy on the answer title, as FELLRec does.
 */
public final class FellRecExperiment {
  /** The instruction: the history, then the answer (a title). */
  public static final String OPEN_TEMPLATE =
      "This user has watched [HistoryHere] in the previous. Please predict the next movie this user"
          + " will watch. Answer:";

  /**
   * One client's per-sample outcomes of one method and seed (the same samples, in the same order,
   * for every method of the seed).
   *
   * @param hit1 whether the target ranked first among the 20 candidates
   * @param ranks the target's 0-based full-ranking rank
   */
  public record ClientOutcome(String client, boolean[] hit1, int[] ranks) {}

  /**
   * One method's results over the seeds (every list has one entry per seed).
   *
   * @param validLossPerClient {@code [round - 1][client]} per seed
   * @param selectedRound the round evaluated per seed (the last one, or the best on validation)
   * @param clients per seed, per client, the per-sample outcomes
   * @param trainLossPerClient per seed, {@code [round - 1][client]} training losses the clients
   *     reported to the server (empty without a server)
   * @param similarityRange per seed, {@code [round - 1]} the smallest and largest similarity {@code
   *     (cos + 1) / 2} between two clients' trained parameters (empty without a server)
   */
  public record MethodResult(
      Method method,
      List<Double> hr1,
      List<Double> recall10,
      List<Double> ndcg10,
      List<double[]> validLoss,
      List<Long> messages,
      List<Long> bytes,
      List<Double> aggregationShift,
      List<Double> seconds,
      List<String> sampleGenerations,
      List<double[][]> validLossPerClient,
      List<Integer> selectedRound,
      List<List<ClientOutcome>> clients,
      List<double[][]> trainLossPerClient,
      List<double[][]> similarityRange) {}

  /**
   * Everything a run produced.
   *
   * @param clientIds the clients, in order
   * @param noisyClient the id of the client with corrupted training data, null if none
   * @param tasteCheck the genre-divergence check of the clients, null unless grouped by genre
   */
  public record Report(
      FellRecPreset preset,
      Path data,
      String dataSummary,
      int users,
      int catalogItems,
      Map<Long, int[]> clientSizes,
      int evaluatedPerSeed,
      Pretraining.Result base,
      List<MethodResult> results,
      double seconds,
      List<String> clientIds,
      String noisyClient,
      TasteClients.Check tasteCheck) {}

  private FellRecExperiment() {}

  /**
   * Runs {@code preset} on {@code dataDir} with the preset's methods; {@code work} holds the SASRec
   * model and the pre-trained base (unless {@code baseModel} is given).
   */
  public static Report run(
      FellRecPreset preset, Path dataDir, Path baseModel, Path work, Consumer<String> log)
      throws IOException {
    return run(preset, dataDir, baseModel, work, preset.methods(), log);
  }

  /** As {@link #run(FellRecPreset, Path, Path, Path, Consumer)} with the given methods. */
  public static Report run(
      FellRecPreset preset,
      Path dataDir,
      Path baseModel,
      Path work,
      List<Method> methods,
      Consumer<String> log)
      throws IOException {
    return run(preset, dataDir, baseModel, work, methods, log, null);
  }

  /**
   * Receives each federated or local method's final per-client adapters after each seed, saved as
   * PEFT directories under {@code work/adapters/<method name, lower case>/seed-<seed>/<client>}
   * (e.g. to publish FELLRec's personalized adapters to an adapter store).
   */
  @FunctionalInterface
  public interface AdapterSink {
    /**
     * @param baseModel the base model directory the adapters belong to
     * @param adapters client id to its adapter directory
     */
    void accept(Method method, long seed, int rounds, Path baseModel, Map<String, Path> adapters)
        throws IOException;
  }

  /**
   * As {@link #run(FellRecPreset, Path, Path, Path, List, Consumer)}, handing the clients' final
   * adapters of every method but the centralized one to {@code sink} (null: none).
   */
  public static Report run(
      FellRecPreset preset,
      Path dataDir,
      Path baseModel,
      Path work,
      List<Method> methods,
      Consumer<String> log,
      AdapterSink sink)
      throws IOException {
    return run(preset, dataDir, baseModel, work, methods, log, sink, null);
  }

  /**
   * As {@link #run(FellRecPreset, Path, Path, Path, List, Consumer, AdapterSink)}, handing the
   * results finished so far to {@code afterMethod} (null: none) after every method of every seed
   * but the last one (e.g. to write partial results of a long run; methods without a finished seed
   * are left out of those reports).
   */
  public static Report run(
      FellRecPreset preset,
      Path dataDir,
      Path baseModel,
      Path work,
      List<Method> methods,
      Consumer<String> log,
      AdapterSink sink,
      Consumer<Report> afterMethod)
      throws IOException {
    long start = System.nanoTime();
    PreparedData data = PreparedData.load(dataDir, preset.selection(), log);
    InteractionDataset ds = data.dataset();
    ItemCatalog catalog = data.catalog();
    LlaraPromptConfig promptConfig =
        LlaraPromptConfig.movies(preset.finetune().maxPrompt()).withTemplate(OPEN_TEMPLATE);
    float[][] userEmbeddings = null;
    TasteClients.Grouping tastes = null;
    TasteClients.Check check = null;
    if (preset.grouping() == FellRecPreset.Grouping.SASREC_KMEANS) {
      try (SasRecModel sasrec =
          SasRecTraining.train(
              data, preset.sasrecEpochs(), preset.seeds().get(0), work.resolve("sasrec"), log)) {
        userEmbeddings = ClientSplit.userEmbeddings(data, sasrec.itemEmbeddingMatrix());
      }
    } else {
      tastes = TasteClients.group(data, preset.clients(), preset.noisyUsers(), PreparedData.SEED);
      check = TasteClients.check(data, tastes.partition(), 200, PreparedData.SEED);
      log.accept(
          "clients by K-means on genre profiles (sizes "
              + Arrays.toString(tastes.partition().sizes())
              + (tastes.noisyClient() >= 0
                  ? "; " + ClientSplit.clientId(tastes.noisyClient()) + " has corrupted targets"
                  : "")
              + "):\n"
              + check.describe().strip());
    }
    Pretraining.Result baseResult = null;
    Path base = baseModel;
    if (base == null) {
      base = work.resolve("base-model");
      baseResult = pretrain(preset, data, catalog, promptConfig, base, log);
    }
    Map<Method, List<Seeded>> runs = new LinkedHashMap<>();
    methods.forEach(m -> runs.put(m, new ArrayList<>()));
    Map<Long, int[]> sizes = new LinkedHashMap<>();
    List<String> clientIds = List.of();
    int evaluated = 0;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(base, m);
        Tokenizer tok = Tokenizer.fromDirectory(base);
        LoraModel lora = LoraModel.of(lm, m)) {
      LlaraPrompt prompt = new LlaraPrompt(tok, catalog, promptConfig);
      TextEmbedder embedder = new TextEmbedder(lm, tok, 256, 48);
      long t0 = System.nanoTime();
      float[][] items = ClientEvaluator.catalogEmbeddings(embedder, prompt);
      log.accept(
          String.format(
              "catalog: %d titles embedded by the base model in %.1f s",
              catalog.itemCount(), (System.nanoTime() - t0) / 1e9));
      ClientEvaluator evaluator =
          new ClientEvaluator(
              lm,
              lora,
              prompt,
              embedder,
              items,
              s -> data.itemsBefore(new SeqExample(s.user(), s.history(), s.target())),
              preset.maxNewTokens(),
              preset.finetune().evalBatch());
      LoraConfig loraConfig =
          LoraConfig.builder()
              .optR(preset.finetune().rank())
              .optAlpha(preset.finetune().alpha())
              .optDropout(preset.finetune().dropout())
              .optTargets("q_proj", "v_proj")
              .build();
      for (long seed : preset.seeds()) {
        ClientPartition partition =
            tastes != null
                ? tastes.partition()
                : ClientSplit.partition(userEmbeddings, preset.clients(), seed);
        sizes.put(seed, partition.sizes());
        List<ClientData> clients =
            ClientSplit.clients(
                data,
                partition,
                prompt,
                preset.evalUsersPerClient(),
                tastes != null ? tastes.noisyClient() : -1,
                PreparedData.SEED);
        clientIds = clients.stream().map(ClientData::id).toList();
        evaluated = clients.stream().mapToInt(c -> c.test().size()).sum();
        log.accept(
            String.format(
                "seed %d: clients (%s) of %s users, %s training examples, %d test samples",
                seed,
                tastes != null
                    ? "K-means on genre profiles"
                    : "K-means on unit-length mean SASRec item embeddings",
                Arrays.toString(partition.sizes()),
                clients.stream().map(c -> c.train().size()).toList(),
                evaluated));
        for (ClientData c : clients) {
          if (!lora.adapters().contains(c.id())) {
            lora.add(c.id(), loraConfig, seed);
          }
        }
        if (!lora.adapters().contains(MethodRunner.CENTRAL)) {
          lora.add(MethodRunner.CENTRAL, loraConfig, seed);
        }
        String initName = "init-" + seed;
        lora.add(initName, loraConfig, seed);
        ParameterSet init = LoraParameters.read(lora, initName);
        lora.delete(initName);
        MethodRunner runner = new MethodRunner(lm, lora, clients, preset, prompt.padId());
        for (Method method : methods) {
          MethodRunner.Run run = runner.run(method, seed, init);
          if (sink != null && method != Method.CENTRALIZED) {
            Map<String, Path> saved = new LinkedHashMap<>();
            for (ClientData c : clients) {
              LoraParameters.load(lora, c.id(), run.finalParameters().get(c.id()));
              Path dir =
                  work.resolve("adapters")
                      .resolve(method.name().toLowerCase(java.util.Locale.ROOT))
                      .resolve("seed-" + seed)
                      .resolve(c.id());
              lora.save(c.id(), dir);
              saved.put(c.id(), dir);
            }
            sink.accept(method, seed, preset.rounds(), base, saved);
          }
          long e0 = System.nanoTime();
          int hits = 0;
          int n = 0;
          RankingMetrics ranking = new RankingMetrics();
          List<String> samples = new ArrayList<>();
          List<ClientOutcome> outcomes = new ArrayList<>();
          for (ClientData c : clients) {
            String adapter = method == Method.CENTRALIZED ? MethodRunner.CENTRAL : c.id();
            ClientEvaluator.Result r =
                evaluator.evaluate(adapter, run.finalParameters().get(c.id()), c.test());
            outcomes.add(new ClientOutcome(c.id(), r.hit1(), r.ranks()));
            hits += r.hits();
            n += r.samples();
            ranking.addAll(r.ranking());
            if (!r.generated().isEmpty()) {
              samples.add(r.generated().get(0));
            }
          }
          Seeded s =
              new Seeded(
                  run,
                  n == 0 ? 0 : (double) hits / n,
                  ranking.hitRate(10),
                  ranking.ndcg(10),
                  (System.nanoTime() - e0) / 1e9,
                  samples,
                  outcomes);
          runs.get(method).add(s);
          log.accept(
              String.format(
                  "%s seed %d: HR@1 %.4f, Recall@10 %.4f, NDCG@10 %.4f; validation loss %s"
                      + " (evaluated: round %d); %d messages, %d bytes; aggregation shift %.4f;"
                      + " %.1f s train + %.1f s eval",
                  method.label(),
                  seed,
                  s.hr1,
                  s.recall10,
                  s.ndcg10,
                  format(run.validLoss()),
                  run.selectedRound(),
                  run.messages(),
                  run.bytesDown() + run.bytesUp(),
                  run.aggregationShift(),
                  run.seconds(),
                  s.evalSeconds));
          boolean last =
              seed == preset.seeds().get(preset.seeds().size() - 1)
                  && method == methods.get(methods.size() - 1);
          if (afterMethod != null && !last) {
            afterMethod.accept(
                report(
                    preset,
                    dataDir,
                    data,
                    catalog,
                    sizes,
                    evaluated,
                    baseResult,
                    runs,
                    start,
                    clientIds,
                    tastes,
                    check));
          }
        }
      }
    }
    return report(
        preset,
        dataDir,
        data,
        catalog,
        sizes,
        evaluated,
        baseResult,
        runs,
        start,
        clientIds,
        tastes,
        check);
  }

  private static Report report(
      FellRecPreset preset,
      Path dataDir,
      PreparedData data,
      ItemCatalog catalog,
      Map<Long, int[]> sizes,
      int evaluated,
      Pretraining.Result baseResult,
      Map<Method, List<Seeded>> runs,
      long start,
      List<String> clientIds,
      TasteClients.Grouping tastes,
      TasteClients.Check check) {
    InteractionDataset ds = data.dataset();
    List<MethodResult> results = new ArrayList<>();
    for (Map.Entry<Method, List<Seeded>> e : runs.entrySet()) {
      List<Seeded> r = e.getValue();
      if (r.isEmpty()) {
        continue;
      }
      results.add(
          new MethodResult(
              e.getKey(),
              r.stream().map(x -> x.hr1).toList(),
              r.stream().map(x -> x.recall10).toList(),
              r.stream().map(x -> x.ndcg10).toList(),
              r.stream().map(x -> x.run.validLoss()).toList(),
              r.stream().map(x -> x.run.messages()).toList(),
              r.stream().map(x -> x.run.bytesDown() + x.run.bytesUp()).toList(),
              r.stream().map(x -> x.run.aggregationShift()).toList(),
              r.stream().map(x -> x.run.seconds() + x.evalSeconds).toList(),
              r.isEmpty() ? List.of() : r.get(0).generations,
              r.stream().map(x -> x.run.validLossPerClient()).toList(),
              r.stream().map(x -> x.run.selectedRound()).toList(),
              r.stream().map(x -> x.outcomes).toList(),
              r.stream().map(x -> x.run.trainLossPerClient()).toList(),
              r.stream().map(x -> x.run.similarityRange()).toList()));
    }
    return new Report(
        preset,
        dataDir,
        ds.summary().toString(),
        data.users().length,
        catalog.itemCount(),
        new LinkedHashMap<>(sizes),
        evaluated,
        baseResult,
        results,
        (System.nanoTime() - start) / 1e9,
        clientIds,
        tastes != null && tastes.noisyClient() >= 0
            ? ClientSplit.clientId(tastes.noisyClient())
            : null,
        check);
  }

  private record Seeded(
      MethodRunner.Run run,
      double hr1,
      double recall10,
      double ndcg10,
      double evalSeconds,
      List<String> generations,
      List<ClientOutcome> outcomes) {}

  /**
   * Pre-trains the small base model on the training users' histories, the catalog and the open
   * prompts (with answers) of older training positions.
   */
  static Pretraining.Result pretrain(
      FellRecPreset preset,
      PreparedData data,
      ItemCatalog catalog,
      LlaraPromptConfig promptConfig,
      Path out,
      Consumer<String> log)
      throws IOException {
    List<String> prompts =
        HistoryCorpus.promptDocuments(
            PreparedData.samples(data.trainPretrain()), catalog, promptConfig);
    int[][] histories = pretrainingHistories(data, preset);
    return BaseModels.pretrain(
        preset.base(),
        preset.seeds().get(0),
        BaseModels.corpus(histories, catalog, prompts),
        prompts.size(),
        out,
        log,
        List.of());
  }

  /**
   * The users' histories the base model is pre-trained on: the training sequences, without their
   * last {@code llmTrainPerUser} items (the targets the clients fine-tune on) when the preset holds
   * them out.
   */
  static int[][] pretrainingHistories(PreparedData data, FellRecPreset preset) {
    int[][] seqs = data.trainSequences();
    if (!preset.baseHoldsOutFinetune()) {
      return seqs;
    }
    int drop = preset.selection().llmTrainPerUser();
    int[][] out = new int[seqs.length][];
    for (int u = 0; u < seqs.length; u++) {
      out[u] = Arrays.copyOf(seqs[u], Math.max(0, seqs[u].length - drop));
    }
    return out;
  }

  private static String format(double[] xs) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < xs.length; i++) {
      b.append(i > 0 ? ", " : "").append(String.format("%.3f", xs[i]));
    }
    return b.append(']').toString();
  }
}
