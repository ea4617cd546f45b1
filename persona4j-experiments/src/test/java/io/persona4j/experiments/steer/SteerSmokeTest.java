/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.rec.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke preset end to end on the real data and the real MiniLM (what CI runs): every row on
 * both tasks, results written, the iterative and closed-form rows token for token equal.
 */
class SteerSmokeTest {
  @Test
  void smokePresetRunsEveryRowAndWritesResults(@TempDir Path out) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SteerPreset preset = SteerPreset.smoke();
    SteerExperiment.Outcome o =
        SteerExperiment.run(
            new SteerExperiment.Settings(
                preset,
                SharedData.data("movielens-small"),
                SharedData.data("amazon-food-reviews"),
                null,
                out,
                new PrintStream(log, true, StandardCharsets.UTF_8)));
    int rows = Row.all(preset.topKs()).size();
    assertThat(o.results()).hasSize(rows * (o.movieTests() + o.reviewTests()) * preset.seeds());
    assertThat(o.movieTests()).isEqualTo(preset.movieEvalUsers());
    assertThat(o.reviewTests()).isEqualTo(4 * preset.reviewEvalPerPreference());
    assertThat(o.judgeAccuracy()).isGreaterThan(0.7);
    SteerReport report = new SteerReport(o);
    for (String task : new String[] {"movies", "reviews"}) {
      assertThat(report.identicalToClosedForm().get(task).get("costeer"))
          .as("iterative == closed form, token for token (%s)", task)
          .isEqualTo(1.0);
      assertThat(report.steeredShare().get(task).get("costeer")).isEqualTo(1.0);
      assertThat(report.steeredShare().get(task).get("ada")).isBetween(0.0, 1.0);
    }
    // likelihood ranking: the closed form ranks exactly as the iteration
    assertThat(report.stats().get("movies").get("closed_form").get("hr1"))
        .isEqualTo(report.stats().get("movies").get("costeer").get("hr1"));
    String md = report.write(out, "test", "test machine");
    assertThat(md)
        .contains("| CoSteer (iterative, T=20) |", "| AdaCoSteer (0.1, 3) |", "top-64 wire");
    assertThat(out.resolve("results.json")).exists();
    assertThat(out.resolve("movies-hr1.png")).exists();
    assertThat(Files.readAllLines(out.resolve("seed-1/predictions.jsonl")))
        .hasSize(rows * (o.movieTests() + o.reviewTests()));
    Path results = out.resolve("RESULTS.md");
    Files.writeString(results, "# Results\n\nkept\n");
    report.writeSection(results, "test", "test machine");
    assertThat(Files.readString(results))
        .contains("kept", "<!-- steer-experiment smoke start -->", "steer-smoke-movies.png");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("seed 1: movies 6/6 test points");
  }
}
