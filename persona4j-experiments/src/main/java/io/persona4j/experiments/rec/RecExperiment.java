/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import io.persona4j.core.train.Pretraining;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.experiments.common.BaseModels;
import io.persona4j.experiments.common.HistoryCorpus;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.experiments.common.SasRecTraining;
import io.persona4j.rec.baseline.Popularity;
import io.persona4j.rec.data.CandidateExample;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.eval.CandidateMetrics;
import io.persona4j.rec.eval.FullRanking;
import io.persona4j.rec.eval.RankingMetrics;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.RecSample;
import io.persona4j.rec.sasrec.SasRecModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code persona4j rec experiment}: popularity, SASRec and the LLM recommenders (LLaRA-LoRA, iLoRA
 * and its ablations) on one data set with one preset, each trained method once per seed. Popularity
 * and SASRec rank the whole catalog too; all methods are judged on the same fixed 20-item candidate
 * sets of the same test users.
 */
public final class RecExperiment {
  /** Everything a run produced. */
  public record Report(
      RecPreset preset,
      Path data,
      String dataSummary,
      Path baseModel,
      int users,
      int llmTrainExamples,
      int evalUsers,
      Pretraining.Result base,
      List<MethodResult> results,
      List<LlmRecRun.Outcome> outcomes,
      double seconds,
      int validUsers,
      BehaviourGroups groups,
      int[] evalGroups) {}

  private RecExperiment() {}

  /**
   * Runs {@code preset} on the data set in {@code dataDir}; {@code work} holds the base model, the
   * SASRec models and the adapters.
   */
  public static Report run(
      RecPreset preset,
      Path dataDir,
      Path work,
      Consumer<String> log,
      List<TrainingListener> listeners)
      throws IOException {
    return run(preset, dataDir, null, work, log, listeners);
  }

  /**
   * As {@link #run(RecPreset, Path, Path, Consumer, List)} on a given base model (any Hugging Face
   * Llama/Qwen2/Mistral directory whose tokenizer has LLaRA's placeholder tokens as single tokens)
   * instead of pre-training one; null pre-trains.
   */
  public static Report run(
      RecPreset preset,
      Path dataDir,
      Path baseModel,
      Path work,
      Consumer<String> log,
      List<TrainingListener> listeners)
      throws IOException {
    long start = System.nanoTime();
    PreparedData data = PreparedData.load(dataDir, preset.selection(), log);
    InteractionDataset ds = data.dataset();
    List<CandidateExample> test = data.test();
    List<CandidateExample> evalSet =
        preset.evalUsers() > 0 && preset.evalUsers() < test.size()
            ? test.subList(0, preset.evalUsers())
            : test;
    log.accept(
        String.format(
            "users %d, train examples %d (LLM: %d), test users %d (LLM methods: %d)",
            data.users().length,
            data.trainAll().size(),
            data.trainLlm().size(),
            test.size(),
            evalSet.size()));
    List<CandidateExample> validSet =
        preset.validUsers() > 0 && preset.validUsers() < data.valid().size()
            ? data.valid().subList(0, preset.validUsers())
            : data.valid();
    BehaviourGroups groups = null;
    int[] evalGroups = null;
    if (preset.groups() > 0) {
      groups = BehaviourGroups.byGenreProfile(data, preset.groups(), PreparedData.SEED);
      groups.checkLines().forEach(l -> log.accept("behaviour " + l));
      evalGroups = groups.groupsOf(PreparedData.samples(evalSet));
    }
    Map<String, MethodResult> results = new LinkedHashMap<>();
    results.put("Popularity", popularity(data, evalSet));
    log.accept("popularity: " + summary(results.get("Popularity")));

    Map<Long, SasRecModel> sasrec = new LinkedHashMap<>();
    List<Double> hr1 = new ArrayList<>();
    List<Double> hr10 = new ArrayList<>();
    List<Double> ndcg = new ArrayList<>();
    List<Double> secs = new ArrayList<>();
    try {
      for (long seed : preset.seeds()) {
        long t0 = System.nanoTime();
        SasRecModel model =
            SasRecTraining.train(
                data, preset.sasrecEpochs(), seed, work.resolve("sasrec-" + seed), log);
        sasrec.put(seed, model);
        double[] m = evaluateSasRec(model, data, evalSet);
        hr1.add(m[0]);
        hr10.add(m[1]);
        ndcg.add(m[2]);
        secs.add((System.nanoTime() - t0) / 1e9);
      }
      MethodResult sas =
          new MethodResult(
              "SASRec",
              hr1,
              hr1.stream().map(x -> 1.0).toList(),
              List.of(),
              hr10,
              ndcg,
              secs,
              evalSet.size(),
              "");
      results.put("SASRec", sas);
      log.accept("SASRec: " + summary(sas));

      ItemCatalog catalog = data.catalog();
      Path base = baseModel != null ? baseModel : work.resolve("base-model");
      Pretraining.Result baseResult =
          baseModel != null ? null : pretrain(preset, data, catalog, base, log, listeners);
      if (baseModel != null) {
        log.accept("base model: " + baseModel + " (given; not pre-trained)");
      }
      List<RecSample> train = PreparedData.samples(data.trainLlm());
      List<RecSample> eval = PreparedData.samples(evalSet);
      List<RecSample> valid = preset.checks() > 0 ? PreparedData.samples(validSet) : List.of();
      List<LlmRecRun.Outcome> outcomes = new ArrayList<>();
      for (RecPreset.Method method : preset.methods()) {
        List<Double> h = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        List<Double> lk = new ArrayList<>();
        List<Double> s = new ArrayList<>();
        for (long seed : preset.seeds()) {
          log.accept("fine-tuning " + method.name() + ", seed " + seed);
          LlmRecRun.Outcome o =
              LlmRecRun.run(
                  base,
                  catalog,
                  new SasRecEncoder(sasrec.get(seed)),
                  preset.finetune(),
                  method,
                  seed,
                  train,
                  valid,
                  preset.checks(),
                  eval,
                  listeners,
                  work.resolve("adapters").resolve(slug(method.name()) + "-" + seed));
          outcomes.add(o);
          for (CheckpointSelector.Check c : o.checks()) {
            log.accept(
                String.format(
                    "  validation at step %d: HR x ValidRatio %.4f (ValidRatio %.4f), constrained"
                        + " HR@1 %.4f%s",
                    c.step(),
                    c.score(),
                    c.generation().validRatio(),
                    c.constrained().hitRatio(),
                    c.step() == o.selectedStep() ? "  <- selected" : ""));
          }
          h.add(o.test().hitRatio());
          v.add(o.test().validRatio());
          lk.add(o.likelihood().hitRatio());
          s.add(o.trainSeconds() + o.evalSeconds());
          log.accept(
              String.format(
                  "%s seed %d: HR@1 %.4f, ValidRatio %.4f, constrained HR@1 %.4f, likelihood"
                      + " HR@1 %.4f, selected step %d of %d, loss %.3f -> %.3f, %.1f samples/s"
                      + " training, %.2f prompts/s evaluation",
                  method.name(),
                  seed,
                  o.test().hitRatio(),
                  o.test().validRatio(),
                  o.constrained().hitRatio(),
                  o.likelihood().hitRatio(),
                  o.selectedStep(),
                  o.steps(),
                  o.firstLoss(),
                  o.finalLoss(),
                  o.trainSamplesPerSecond(),
                  o.evalPromptsPerSecond()));
        }
        results.put(
            method.name(),
            new MethodResult(method.name(), h, v, lk, List.of(), List.of(), s, evalSet.size(), ""));
      }
      return new Report(
          preset,
          dataDir,
          ds.summary().toString(),
          base,
          data.users().length,
          train.size(),
          evalSet.size(),
          baseResult,
          List.copyOf(results.values()),
          outcomes,
          (System.nanoTime() - start) / 1e9,
          preset.checks() > 0 ? valid.size() : 0,
          groups,
          evalGroups);
    } finally {
      sasrec.values().forEach(SasRecModel::close);
    }
  }

  static MethodResult popularity(PreparedData data, List<CandidateExample> evalSet) {
    long t0 = System.nanoTime();
    Popularity pop = Popularity.fit(data.trainAll(), data.dataset().numItems());
    List<SeqExample> examples = evalSet.stream().map(CandidateExample::example).toList();
    RankingMetrics full = pop.evaluateFullRanking(examples, data::itemsBefore);
    CandidateMetrics cand = pop.evaluateCandidates(evalSet);
    return new MethodResult(
        "Popularity",
        List.of(cand.hitRatio1()),
        List.of(cand.validRatio()),
        List.of(),
        List.of(full.hitRate(10)),
        List.of(full.ndcg(10)),
        List.of((System.nanoTime() - t0) / 1e9),
        evalSet.size(),
        "deterministic");
  }

  /** {HR@1 on the candidates, full-ranking HR@10, NDCG@10}. */
  public static double[] evaluateSasRec(
      SasRecModel model, PreparedData data, List<CandidateExample> evalSet) {
    int[][] histories = new int[evalSet.size()][];
    for (int i = 0; i < histories.length; i++) {
      histories[i] = evalSet.get(i).example().history();
    }
    float[][] scores = model.scoreAll(histories);
    RankingMetrics full = new RankingMetrics();
    CandidateMetrics cand = new CandidateMetrics();
    for (int i = 0; i < histories.length; i++) {
      CandidateExample c = evalSet.get(i);
      full.add(FullRanking.rank(scores[i], c.example().target(), data.itemsBefore(c.example())));
      int best = c.candidate(0);
      for (int item : c.candidates()) {
        best = scores[i][item] > scores[i][best] ? item : best;
      }
      cand.addChoice(best, c.example().target());
    }
    return new double[] {cand.hitRatio1(), full.hitRate(10), full.ndcg(10)};
  }

  static Pretraining.Result pretrain(
      RecPreset preset,
      PreparedData data,
      ItemCatalog catalog,
      Path out,
      Consumer<String> log,
      List<TrainingListener> listeners)
      throws IOException {
    if (preset.copyPromptsPerUser() > 0) {
      List<Pretraining.Document> docs =
          BaseModels.copyCorpus(
              data,
              catalog,
              preset.copyPromptsPerUser(),
              preset.base().maxLen(),
              preset.seeds().get(0));
      long copies = docs.stream().filter(d -> d.completion() != null).count();
      return BaseModels.pretrainDocuments(
          preset.base(), preset.seeds().get(0), docs, (int) copies, out, log, listeners);
    }
    List<String> prompts =
        HistoryCorpus.promptDocuments(
            PreparedData.samples(data.trainPretrain()), catalog, preset.base().maxLen());
    return BaseModels.pretrain(
        preset.base(),
        preset.seeds().get(0),
        BaseModels.corpus(data, catalog, prompts),
        prompts.size(),
        out,
        log,
        listeners);
  }

  static String summary(MethodResult r) {
    return String.format(
        "HR@1 %.4f +- %.4f, HR@10 %.4f, NDCG@10 %.4f",
        MethodResult.mean(r.hr1()),
        MethodResult.std(r.hr1()),
        MethodResult.mean(r.hr10()),
        MethodResult.mean(r.ndcg10()));
  }

  static String slug(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("-$", "");
  }
}
