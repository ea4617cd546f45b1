/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.federated.strategy.FellRec;
import io.persona4j.rec.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The taste setting end to end at smoke size on MovieLens: genre clients plus a noisy client,
 * FELLRec with its three ablations against the baselines, checkpoints chosen on validation loss,
 * per-client tables with paired CIs and the noisy client's curves.
 */
class FellRecTastesSmokeTest {
  @TempDir Path work;

  @Test
  void tastesSmokeRunsAblationsAndWritesPerClientPairedResults() throws Exception {
    FellRecPreset preset = FellRecPreset.tastesSmoke();
    List<String> log = new ArrayList<>();
    long t0 = System.nanoTime();
    List<FellRecExperiment.Report> partial = new ArrayList<>();
    FellRecExperiment.Report report =
        FellRecExperiment.run(
            preset,
            SharedData.data("movielens-small"),
            null,
            work.resolve("work"),
            preset.methods(),
            log::add,
            null,
            partial::add);
    FellRecResults.Written files =
        FellRecResults.write(
            report, "fed experiment fellrec --preset tastes-smoke", work.resolve("out"));
    System.out.printf("tastes-smoke: %.1f s%n", (System.nanoTime() - t0) / 1e9);

    // a partial report after every method but the last, holding the methods finished so far
    assertThat(partial).hasSize(preset.methods().size() - 1);
    for (int i = 0; i < partial.size(); i++) {
      assertThat(partial.get(i).results())
          .extracting(FellRecExperiment.MethodResult::method)
          .containsExactlyElementsOf(preset.methods().subList(0, i + 1));
    }
    FellRecResults.write(partial.get(0), "partial", work.resolve("partial"));
    assertThat(Files.readString(work.resolve("partial").resolve("results.md")))
        .contains("| Local only |")
        .doesNotContain("| FedAvg-LoRA |");

    // 3 taste clients + the noisy one, the same clients in every seed
    assertThat(report.clientIds())
        .containsExactly("client-00", "client-01", "client-02", "client-03");
    assertThat(report.noisyClient()).isEqualTo("client-03");
    assertThat(report.clientSizes().get(1L)[3]).isEqualTo(preset.noisyUsers());
    assertThat(report.tasteCheck().distance()).hasSize(4);
    assertThat(log).anyMatch(l -> l.contains("TV distance to the other users"));

    Map<Method, FellRecExperiment.MethodResult> by =
        report.results().stream()
            .collect(Collectors.toMap(FellRecExperiment.MethodResult::method, Function.identity()));
    assertThat(by.keySet()).containsExactlyInAnyOrderElementsOf(FellRecPreset.WITH_ABLATIONS);
    for (FellRecExperiment.MethodResult m : report.results()) {
      double[] curve = m.validLoss().get(0);
      // the evaluated round is the validation minimum
      int best = 0;
      for (int t = 1; t < curve.length; t++) {
        if (curve[t] < curve[best]) {
          best = t;
        }
      }
      assertThat(m.selectedRound()).as(m.method().label()).containsExactly(best + 1);
      assertThat(m.validLossPerClient().get(0)).hasDimensions(preset.rounds(), 4);
      List<FellRecExperiment.ClientOutcome> clients = m.clients().get(0);
      assertThat(clients).hasSize(4);
      for (int c = 0; c < 4; c++) {
        assertThat(clients.get(c).hit1())
            .hasSameSizeAs(by.get(Method.FELLREC).clients().get(0).get(c).hit1());
        assertThat(clients.get(c).ranks()).hasSameSizeAs(clients.get(c).hit1());
      }
    }

    // Every client reports its training loss every round (what heating acts on); the client with
    // the highest loss gets the smallest heating weight. (At smoke size the 12-step base model
    // cannot tell real from random titles, so the noisy client's loss is not yet the highest
    // here; the tastes preset reports it.)
    double[][] reported = by.get(Method.FELLREC).trainLossPerClient().get(0);
    assertThat(reported).hasDimensions(preset.rounds(), 4);
    for (double[] round : reported) {
      for (double l : round) {
        assertThat(l).isFinite().isPositive();
      }
    }
    double[] w = FellRec.heating(reported[0], 0, preset.fellrec());
    int worst = 0;
    int lowest = 0;
    for (int c = 1; c < 4; c++) {
      worst = reported[0][c] > reported[0][worst] ? c : worst;
      lowest = w[c] < w[lowest] ? c : lowest;
    }
    assertThat(lowest).isEqualTo(worst);
    assertThat(by.get(Method.LOCAL_ONLY).trainLossPerClient().get(0)).isEmpty();
    // how alike the clients' trained parameters are, per round: a valid (cos + 1) / 2 range
    double[][] sim = by.get(Method.FELLREC).similarityRange().get(0);
    assertThat(sim).hasDimensions(preset.rounds(), 2);
    for (double[] range : sim) {
      assertThat(range[0]).isBetween(0.0, 1.0).isLessThanOrEqualTo(range[1]);
      assertThat(range[1]).isLessThanOrEqualTo(1.0 + 1e-12);
    }
    assertThat(by.get(Method.LOCAL_ONLY).similarityRange().get(0)).isEmpty();
    // Each ablation changes what FELLRec does: its curve differs from FELLRec's from round 1.
    for (Method ablation :
        List.of(
            Method.FELLREC_NO_HEATING,
            Method.FELLREC_B5,
            Method.FELLREC_NO_SIMILARITY,
            Method.FELLREC_TUNED_TEMPERATURE)) {
      assertThat(by.get(ablation).validLoss().get(0)[0])
          .as(ablation.label())
          .isNotEqualTo(by.get(Method.FELLREC).validLoss().get(0)[0]);
      assertThat(by.get(ablation).messages()).isEqualTo(by.get(Method.FELLREC).messages());
    }

    // Paired comparisons: FELLRec against the 8 others, then FELLRec with the validated
    // temperature against the 7 others but FELLRec, on each client and all
    List<FellRecClientReport.Paired> paired = FellRecClientReport.paired(report);
    assertThat(paired).hasSize(8 * 5 + 7 * 5);
    assertThat(paired.stream().filter(p -> p.first() == Method.FELLREC_TUNED_TEMPERATURE))
        .hasSize(7 * 5)
        .noneMatch(p -> p.second() == Method.FELLREC);
    for (FellRecClientReport.Paired p : paired) {
      assertThat(p.hr1().low()).isLessThanOrEqualTo(p.hr1().mean());
      assertThat(p.hr1().high()).isGreaterThanOrEqualTo(p.hr1().mean());
      assertThat(p.mcNemar().exactP()).isBetween(0.0, 1.0);
    }
    assertThat(paired.stream().filter(p -> p.client().equals("all")).mapToInt(p -> p.hr1().units()))
        .containsOnly(report.evaluatedPerSeed());

    for (Path p : List.of(files.json(), files.markdown(), files.curves(), files.noisyCurves())) {
      assertThat(p).isRegularFile();
      assertThat(Files.size(p)).isPositive();
    }
    String md = Files.readString(files.markdown());
    assertThat(md)
        .contains("client-03 (noisy)")
        .contains("| FELLRec, heating off |")
        .contains("Paired comparisons, FELLRec (or FELLRec with the validated temperature)")
        .contains("| FELLRec, validated temperature - Local only |")
        .contains("FELLRec (temperature 0.05): curriculum heating")
        .contains("Similarity (cos + 1) / 2 between two clients'")
        .contains(
            "FELLRec, validated temperature (temperature "
                + preset.tunedTemperature()
                + "): curriculum heating");
    String json = Files.readString(files.json());
    assertThat(json).contains("\"paired\"").contains("\"validLossPerClient\"").contains("\"hit1\"");
  }
}
