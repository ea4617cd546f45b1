/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.SharedData;
import io.persona4j.rec.baseline.Popularity;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.eval.CandidateMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke preset of {@code persona4j rec experiment} end to end on the real MovieLens
 * latest-small copy (a sample of users, a tiny base model, a few steps): what CI runs.
 */
class RecExperimentSmokeTest {
  @Test
  void smokePresetRunsEveryMethodAndWritesTheResults(@TempDir Path tmp) throws Exception {
    Path data = SharedData.data("movielens-small");
    List<String> log = new ArrayList<>();
    RecPreset preset = RecPreset.smoke();
    RecExperiment.Report r =
        RecExperiment.run(preset, data, tmp.resolve("work"), log::add, List.of());

    List<String> methods = r.results().stream().map(MethodResult::method).toList();
    assertThat(methods).startsWith("Popularity", "SASRec");
    assertThat(methods.subList(2, methods.size()))
        .containsExactlyElementsOf(preset.methods().stream().map(RecPreset.Method::name).toList());
    for (MethodResult m : r.results()) {
      assertThat(m.hr1()).allMatch(x -> x >= 0 && x <= 1);
      assertThat(m.valid()).allMatch(x -> x >= 0 && x <= 1);
      assertThat(m.evaluated()).isEqualTo(preset.evalUsers());
    }
    assertThat(r.outcomes()).hasSize(preset.methods().size() * preset.seeds().size());
    for (LlmRecRun.Outcome o : r.outcomes()) {
      assertThat(o.test().total()).isEqualTo(preset.evalUsers());
      assertThat(o.likelihood().total()).isEqualTo(preset.evalUsers());
      assertThat(o.likelihood().valid()).isEqualTo(preset.evalUsers());
      assertThat(o.steps()).isEqualTo(preset.finetune().steps());
      assertThat(o.finalLoss()).isFinite();
    }
    // Same total rank r = 8: iLoRA K=4's router has 4 x 64 weights, the K=1 one 1 x 64.
    assertThat(
            r.outcomes().get(1).trainableParameters() - r.outcomes().get(0).trainableParameters())
        .isEqualTo((4 - 1) * 64);
    assertThat(tmp.resolve("work/base-model/model.safetensors")).isRegularFile();
    assertThat(tmp.resolve("work/adapters/llara-lora-k-1-1/adapter_model.safetensors"))
        .isRegularFile();

    // Popularity's HR@1 is the independent baseline's on the same candidate sets.
    InteractionDataset ds = InteractionDataset.load(data);
    PreparedData p =
        PreparedData.of(
            ds, preset.selection().maxUsers(), preset.selection().llmTrainPerUser(), 42);
    CandidateMetrics pop =
        Popularity.fit(p.trainAll(), ds.numItems())
            .evaluateCandidates(p.test().subList(0, preset.evalUsers()));
    assertThat(r.results().get(0).hr1().get(0)).isEqualTo(pop.hitRatio1());

    Path md = tmp.resolve("RESULTS.md");
    ResultsWriter.write(r, "cmd", "machine", tmp.resolve("r.json"), tmp.resolve("c.png"), md);
    ResultsWriter.write(r, "cmd", "machine", tmp.resolve("r.json"), tmp.resolve("c.png"), md);
    String text = Files.readString(md);
    assertThat(text.split("rec-experiment smoke movielens-small start", -1)).hasSize(2);
    for (String m : methods) {
      assertThat(text).contains("| " + m + " |");
    }
    JsonNode json = new ObjectMapper().readTree(tmp.resolve("r.json").toFile());
    assertThat(json.get("results")).hasSize(methods.size());
    assertThat(Files.readAllBytes(tmp.resolve("c.png"))).startsWith(0x89, 'P', 'N', 'G');
    assertThat(log).anyMatch(l -> l.startsWith("base model:"));
    assertThat(tmp.resolve("work/adapters/llara-lora-k-1-1/predictions.jsonl"))
        .content()
        .hasLineCount(preset.evalUsers());
  }

  @Test
  void groupedSmokePresetSelectsCheckpointsAndReportsPerGroup(@TempDir Path tmp) throws Exception {
    Path data = SharedData.data("movielens-small");
    List<String> log = new ArrayList<>();
    RecPreset preset = RecPreset.groupedSmoke();
    RecExperiment.Report r =
        RecExperiment.run(preset, data, tmp.resolve("work"), log::add, List.of());

    // The divergence check ran on training data and was logged.
    assertThat(r.groups().count()).isEqualTo(preset.groups());
    assertThat(log).anyMatch(l -> l.startsWith("behaviour random groups of the same sizes"));
    assertThat(r.evalGroups()).hasSize(preset.evalUsers());
    assertThat(java.util.Arrays.stream(r.evalGroups()).allMatch(g -> g >= 0 && g < 2)).isTrue();
    assertThat(r.validUsers()).isEqualTo(preset.validUsers());
    List<Long> checkSteps =
        CheckpointSelector.checkSteps(preset.finetune().steps(), preset.checks());
    assertThat(r.outcomes()).hasSize(3);
    for (LlmRecRun.Outcome o : r.outcomes()) {
      assertThat(o.checks()).extracting(CheckpointSelector.Check::step).isEqualTo(checkSteps);
      assertThat(o.checks())
          .allSatisfy(c -> assertThat(c.generation().total()).isEqualTo(preset.validUsers()));
      assertThat(checkSteps).contains(o.selectedStep());
      // Constrained decoding always names a candidate; the per-user hits add up to the metrics.
      assertThat(o.constrained().validRatio()).isEqualTo(1.0);
      assertThat(count(o.constrainedHits())).isEqualTo(o.constrained().correct());
      assertThat(count(o.likelihoodHits())).isEqualTo(o.likelihood().correct());
      assertThat(count(o.generationHits())).isEqualTo(o.test().correct());
      assertThat(o.constrainedHits()).hasSize(preset.evalUsers());
      // The beam protocol too names a candidate every time.
      assertThat(o.beam().validRatio()).isEqualTo(1.0);
      assertThat(count(o.beamHits())).isEqualTo(o.beam().correct());
    }
    // The base model learned from the copying corpus: prompts whose answer is a listed candidate.
    JsonNode pre =
        new ObjectMapper().readTree(tmp.resolve("work/base-model/pretraining.json").toFile());
    assertThat(pre.get("completion_documents").asLong()).isPositive();
    // Only the linear gate with K > 1 has gates to report; each is a distribution.
    assertThat(r.outcomes().get(0).gates()).isNull();
    assertThat(r.outcomes().get(2).gates()).isNull();
    float[][] gates = r.outcomes().get(1).gates();
    assertThat(gates).hasDimensions(preset.evalUsers(), 4);
    for (float[] g : gates) {
      double s = 0;
      for (float x : g) {
        s += x;
      }
      assertThat(s).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    }

    Path md = tmp.resolve("RESULTS.md");
    ResultsWriter.write(r, "cmd", "machine", tmp.resolve("r.json"), tmp.resolve("c.png"), md);
    String text = Files.readString(md);
    assertThat(text)
        .contains("#### Behaviour groups")
        .contains("#### HR@1 per group")
        .contains("| iLoRA K=4 − LLaRA-LoRA (K=1) | constrained |")
        .contains("| iLoRA K=4 − LLaRA-LoRA (K=1) | beam 5 |")
        .contains("HR@1 (beam 5)")
        .contains("copying prompts per user")
        .contains("#### Expert usage of the linear gate")
        .contains("#### Checkpoint selection")
        .contains("HR@1 (constrained)");
    assertThat(Files.readAllBytes(tmp.resolve("c-groups.png"))).startsWith(0x89, 'P', 'N', 'G');
    assertThat(tmp.resolve("work/adapters/llara-lora-k-1-1/predictions.jsonl"))
        .content()
        .contains("\"constrained_correct\"");
  }

  static long count(boolean[] hits) {
    long n = 0;
    for (boolean h : hits) {
      n += h ? 1 : 0;
    }
    return n;
  }
}
