/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.rec.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drift probe and adding runs to a finished run. */
class SecFppVariantsTest {
  private static BertModel tinyBert(NDManager m) throws Exception {
    return BertModel.load(
        SecFppSmokeTest.CONFIG,
        WeightSource.ofFloats("r", RandomWeights.bert(SecFppSmokeTest.CONFIG, 4, 0.2f)),
        m);
  }

  private static SecFppPreset domainsOnly() {
    return SecFppPreset.smoke().toBuilder().optMovielens(false).build();
  }

  @Test
  void driftProbeReportsCosinesOfEveryConditionOnTrainingDataOnly() throws Exception {
    SecFppPreset p = domainsOnly();
    List<SecFppDriftProbe.Row> rows;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = tinyBert(m)) {
      rows =
          new SecFppDriftProbe(p, bert, TextEncoder.hashing(500, p.maxTokens()), m)
              .run(SharedData.data("amazon-food-reviews"), SharedData.data("movielens-small"), 1);
    }
    assertThat(rows)
        .extracting(SecFppDriftProbe.Row::condition)
        .containsExactly("shipped", "shared-seed", "reseeded", "data-embedding");
    for (SecFppDriftProbe.Row r : rows) {
      assertThat(r.withinDomain()).isBetween(-1.0, 1.0);
      assertThat(r.betweenDomains()).isBetween(-1.0, 1.0);
      assertThat(r.withinDomainProjected()).isBetween(-1.0, 1.0);
      assertThat(r.betweenDomainsProjected()).isBetween(-1.0, 1.0);
    }
    assertThat(rows.get(2).selfAcrossSeeds()).isBetween(-1.0, 1.0);
    assertThat(rows.get(0).selfAcrossSeeds()).isNaN();
    // on this tiny model too, one shared head initialization aligns the moves of clients of a
    // domain far more than per-client initializations do (deterministic: every seed is fixed)
    assertThat(rows.get(1).withinDomain()).isGreaterThan(rows.get(0).withinDomain() + 0.2);
    assertThat(SecFppDriftProbe.markdown(rows))
        .contains("| condition | cos within domain |", "| shared-seed | ");
  }

  @Test
  void methodAddedToAFinishedRunIsReportedBesideItsRuns(@TempDir Path dir) throws Exception {
    SecFppPreset p = domainsOnly().toBuilder().optValidPerClient(0).build();
    Path first = dir.resolve("first");
    Path second = dir.resolve("second");
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    List<RunResult> all;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = tinyBert(m)) {
      TextEncoder te = TextEncoder.hashing(500, p.maxTokens());
      Path reviews = SharedData.data("amazon-food-reviews");
      Path movies = SharedData.data("movielens-small");
      List<RunResult> a =
          new SecFppExperiment(p, bert, te, m, quiet)
              .optMethods(EnumSet.of(SecFppMethod.LOCAL))
              .run(reviews, movies, first);
      List<RunResult> read = SecFppExperiment.readRuns(first.resolve("results.json"));
      assertThat(read).hasSameSizeAs(a);
      for (int i = 0; i < a.size(); i++) {
        assertThat(read.get(i).method()).isEqualTo(a.get(i).method());
        assertThat(read.get(i).clientAccuracies()).isEqualTo(a.get(i).clientAccuracies());
        for (int c = 0; c < a.get(i).hits().size(); c++) {
          assertThat(read.get(i).hits().get(c)).containsExactly(a.get(i).hits().get(c));
        }
      }
      all =
          new SecFppExperiment(p, bert, te, m, quiet)
              .optMethods(EnumSet.of(SecFppMethod.SECFPP_DATA))
              .optPrevious(read)
              .run(reviews, movies, second);
    }
    // alpha 0.1 and domains: MAJORITY once each (from the first run), LOCAL; then SECFPP_DATA on
    // the domains setting only
    assertThat(all)
        .extracting(RunResult::method)
        .containsExactly("MAJORITY", "LOCAL", "MAJORITY", "LOCAL", "SECFPP_DATA");
    RunResult added = all.get(4);
    assertThat(added.setting()).isEqualTo("domains");
    assertThat(added.clusters()).isBetween(1, 3);
    assertThat(added.withinDomainCosine()).isBetween(-1.0, 1.0);
    assertThat(Files.readString(second.resolve("results.md")))
        .contains("| SECFPP_DATA - LOCAL | ", "| SECFPP_DATA - MAJORITY | ");
  }
}
