/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;

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

/** The whole FELLRec experiment on the smoke preset, end to end on MovieLens latest-small. */
class FellRecSmokeTest {
  @TempDir Path work;

  @Test
  void smokePresetRunsEveryMethodAndWritesTableJsonAndCharts() throws Exception {
    Path data = SharedData.data("movielens-small");
    FellRecPreset preset = FellRecPreset.smoke();
    List<String> log = new ArrayList<>();
    long t0 = System.nanoTime();
    FellRecExperiment.Report report =
        FellRecExperiment.run(preset, data, null, work.resolve("work"), log::add);
    double seconds = (System.nanoTime() - t0) / 1e9;
    FellRecResults.Written files =
        FellRecResults.write(report, "fed experiment fellrec --preset smoke", work.resolve("out"));
    log.forEach(System.out::println);
    System.out.printf("smoke: %.1f s%n", seconds);

    assertThat(report.results()).hasSize(preset.methods().size());
    Map<Method, FellRecExperiment.MethodResult> by =
        report.results().stream()
            .collect(Collectors.toMap(FellRecExperiment.MethodResult::method, Function.identity()));
    assertThat(report.evaluatedPerSeed()).isPositive();
    assertThat(report.clientSizes().get(1L)).hasSize(preset.clients());
    assertThat(java.util.Arrays.stream(report.clientSizes().get(1L)).sum()).isEqualTo(40);
    for (FellRecExperiment.MethodResult r : report.results()) {
      for (List<Double> metric : List.of(r.hr1(), r.recall10(), r.ndcg10())) {
        assertThat(metric).hasSize(1);
        assertThat(metric.get(0)).isBetween(0.0, 1.0);
      }
      assertThat(r.validLoss().get(0)).hasSize(preset.rounds());
      for (double v : r.validLoss().get(0)) {
        assertThat(v).isFinite().isPositive();
      }
    }
    // Local-only never talks to a server; every federated method does, and its aggregation
    // moved the parameters the clients sent.
    assertThat(by.get(Method.LOCAL_ONLY).messages()).containsExactly(0L);
    assertThat(by.get(Method.LOCAL_ONLY).bytes()).containsExactly(0L);
    for (Method m : List.of(Method.FEDAVG, Method.FEDPROX, Method.FELLREC)) {
      assertThat(by.get(m).messages()).containsExactly((long) preset.rounds() * preset.clients());
      assertThat(by.get(m).bytes().get(0)).isPositive();
      assertThat(by.get(m).aggregationShift().get(0)).as(m.label()).isGreaterThan(1e-6);
    }
    // FELLRec sends only the middle layers' LoRA: less traffic than FedAvg.
    assertThat(by.get(Method.FELLREC).bytes().get(0))
        .isLessThan(by.get(Method.FEDAVG).bytes().get(0));
    // FELLRec with split learning: four stages per local step (the fourth, clip_step, because the
    // runner clips at 1.0 as FELLREC does), activations in both directions, personalized
    // aggregation of the middle LoRA on the server.
    FellRecExperiment.MethodResult split = by.get(Method.FELLREC_SPLIT);
    assertThat(split.messages())
        .containsExactly(4L * preset.rounds() * preset.clients() * preset.finetune().steps());
    assertThat(split.bytes().get(0)).isPositive();
    assertThat(split.aggregationShift().get(0)).isGreaterThan(1e-6);
    System.out.printf(
        "smoke FELLREC_SPLIT: %d messages, %d bytes (FELLREC: %d messages, %d bytes)%n",
        split.messages().get(0),
        split.bytes().get(0),
        by.get(Method.FELLREC).messages().get(0),
        by.get(Method.FELLREC).bytes().get(0));
    // Centralized: one client, one message per round, aggregation of a single reply is exact.
    assertThat(by.get(Method.CENTRALIZED).messages()).containsExactly((long) preset.rounds());
    assertThat(by.get(Method.CENTRALIZED).aggregationShift().get(0)).isEqualTo(0.0);

    for (Path p :
        List.of(
            files.json(), files.markdown(), files.curves(), files.hr1Chart(), files.ndcgChart())) {
      assertThat(p).isRegularFile();
      assertThat(Files.size(p)).isPositive();
    }
    String md = Files.readString(files.markdown());
    for (Method m : preset.methods()) {
      assertThat(md).contains("| " + m.label() + " |");
    }
    assertThat(javax.imageio.ImageIO.read(files.curves().toFile()).getWidth()).isEqualTo(960);
    assertThat(Files.readString(files.json())).contains("\"validLossPerRound\"");
  }
}
