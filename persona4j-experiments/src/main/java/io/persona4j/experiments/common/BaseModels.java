/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.common;

import io.persona4j.core.train.Pretraining;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPromptConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The small base model of the recommendation experiments: pre-trained from scratch on the training
 * users' histories, the catalog and prompts with answers, with LLaRA's placeholder tokens as single
 * tokens.
 */
public final class BaseModels {
  private BaseModels() {}

  /**
   * The pre-training corpus: the training users' histories and the catalog (20 titles per
   * document), then {@code prompts} (prompts with their answers, as the experiment writes them).
   */
  public static List<String> corpus(PreparedData data, ItemCatalog catalog, List<String> prompts) {
    return corpus(data.trainSequences(), catalog, prompts);
  }

  /**
   * As {@link #corpus(PreparedData, ItemCatalog, List)} on these histories (e.g. ones that end
   * before the items a model is later fine-tuned on).
   */
  public static List<String> corpus(int[][] histories, ItemCatalog catalog, List<String> prompts) {
    List<String> docs = new ArrayList<>(HistoryCorpus.documents(histories, catalog, 20));
    docs.addAll(HistoryCorpus.catalogDocuments(catalog, 20));
    docs.addAll(prompts);
    return docs;
  }

  /**
   * The copying corpus: the training users' histories and the catalog as plain documents, then
   * {@code copyPerUser} LLaRA prompts per user whose answer is a listed candidate copied verbatim
   * ({@link CopyCorpus}, 5..20 candidates; only the answer is learned). Training data only.
   */
  public static List<Pretraining.Document> copyCorpus(
      PreparedData data, ItemCatalog catalog, int copyPerUser, int maxLen, long seed)
      throws IOException {
    List<Pretraining.Document> docs = new ArrayList<>();
    HistoryCorpus.documents(data.trainSequences(), catalog, 20).stream()
        .map(Pretraining.Document::plain)
        .forEach(docs::add);
    HistoryCorpus.catalogDocuments(catalog, 20).stream()
        .map(Pretraining.Document::plain)
        .forEach(docs::add);
    docs.addAll(
        CopyCorpus.documents(CopyCorpus.samples(data, copyPerUser, 5, seed), catalog, maxLen));
    return docs;
  }

  /**
   * Pre-trains the base model of {@code preset} on {@code docs} into {@code out} (warm-up over the
   * first 5% of steps), logging a line before and after.
   *
   * @param prompts how many of {@code docs} are prompts with answers (for the log)
   */
  public static Pretraining.Result pretrain(
      BaseModelPreset preset,
      long seed,
      List<String> docs,
      int prompts,
      Path out,
      Consumer<String> log,
      List<TrainingListener> listeners)
      throws IOException {
    return pretrainDocuments(
        preset,
        seed,
        docs.stream().map(Pretraining.Document::plain).toList(),
        prompts,
        out,
        log,
        listeners);
  }

  /**
   * As {@link #pretrain}, on documents that may be context + completion pairs ({@link
   * #copyCorpus}).
   *
   * @param prompts how many of {@code docs} are prompts with answers (for the log)
   */
  public static Pretraining.Result pretrainDocuments(
      BaseModelPreset preset,
      long seed,
      List<Pretraining.Document> docs,
      int prompts,
      Path out,
      Consumer<String> log,
      List<TrainingListener> listeners)
      throws IOException {
    Pretraining.Config config =
        new Pretraining.Config(
            "llama",
            preset.layers(),
            preset.hidden(),
            preset.heads(),
            preset.kvHeads(),
            preset.vocab(),
            List.of(LlaraPromptConfig.HISTORY_TOKEN, LlaraPromptConfig.CANDIDATE_TOKEN),
            preset.maxLen(),
            preset.steps(),
            preset.batch(),
            preset.lr(),
            Math.max(1, preset.steps() / 20),
            seed);
    log.accept(
        String.format(
            "base model: pre-training a %d-layer, hidden-%d Llama on %d documents (histories,"
                + " catalog, %d prompts with answers)",
            preset.layers(), preset.hidden(), docs.size(), prompts));
    Pretraining.Result r = Pretraining.runDocuments(config, docs, out, listeners);
    log.accept(
        String.format(
            "base model: %d steps, loss %.3f -> %.3f, %.0f s",
            r.steps(), r.firstLoss(), r.finalLoss(), r.seconds()));
    return r;
  }
}
