/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.core.chart.BarChart;
import io.persona4j.experiments.common.HistoryCorpus;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.data.InteractionDataset;
import io.persona4j.rec.data.SeqExample;
import io.persona4j.rec.llara.ItemCatalog;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus, data preparation, statistics, chart and Markdown section of the rec experiment. */
class ExperimentPiecesTest {
  static final ItemCatalog CATALOG = ItemCatalog.of(List.of("A (1990)", "B (1991)", "C", "D", "E"));

  @Test
  void historyCorpusListsTitlesInChunks() {
    List<String> docs =
        HistoryCorpus.documents(new int[][] {{1, 2, 3, 4, 5}, {2}, {3, 1}}, CATALOG, 2);
    assertThat(docs)
        .containsExactly(
            "This user has watched A (1990), B (1991).",
            "This user has watched C, D.",
            "This user has watched C, A (1990).");
    assertThat(HistoryCorpus.catalogDocuments(CATALOG, 3))
        .containsExactly("Movies: A (1990), B (1991), C.", "Movies: D, E.");
  }

  /** 10 users with 6 items each: item (3u + i) % 30 + 1 at time i; 30 items in all. */
  static InteractionDataset dataset() {
    var b = InteractionDataset.builder();
    for (int i = 1; i <= 30; i++) {
      b.item(100 + i, "Film " + i, List.of());
    }
    for (int u = 0; u < 10; u++) {
      for (int i = 0; i < 6; i++) {
        b.interaction(u, 100 + (3 * u + i) % 30 + 1, 1000L * i);
      }
    }
    return b.build();
  }

  @Test
  void preparedDataSamplesUsersAndKeepsTheNewestTrainingPositions() {
    InteractionDataset ds = dataset();
    PreparedData all = PreparedData.of(ds, 0, 1, 7);
    assertThat(all.users()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    // 6 items: train targets at positions 1..3, one LLM example per user: the newest (t = 3).
    assertThat(all.trainAll()).hasSize(10 * 3);
    assertThat(all.trainLlm()).hasSize(10);
    for (var c : all.trainLlm()) {
      int[] s = ds.sequence(c.example().user());
      assertThat(c.example().target()).isEqualTo(s[3]);
      assertThat(c.candidates()).hasSize(20).contains(s[3]).doesNotContain(c.example().history());
    }
    SeqExample test = all.test().get(2).example();
    int[] s = ds.sequence(test.user());
    assertThat(all.itemsBefore(test)).containsExactly(s[0], s[1], s[2], s[3], s[4]);
    assertThat(all.trainSequences()[0]).containsExactly(s(ds, 0, 4));

    PreparedData pre = PreparedData.of(ds, 0, 1, 1, 7);
    assertThat(pre.trainLlm()).isEqualTo(all.trainLlm());
    assertThat(pre.trainPretrain()).hasSize(10);
    for (var c : pre.trainPretrain()) {
      assertThat(c.example().target()).isEqualTo(ds.sequence(c.example().user())[2]);
    }

    PreparedData some = PreparedData.of(ds, 3, 0, 7);
    PreparedData again = PreparedData.of(ds, 3, 0, 7);
    assertThat(some.users()).hasSize(3).containsExactly(again.users());
    assertThat(some.trainLlm()).hasSize(3 * 3);
    assertThat(some.test())
        .extracting(c -> c.example().user())
        .containsExactly(java.util.Arrays.stream(some.users()).boxed().toArray(Integer[]::new));
  }

  private static int[] s(InteractionDataset ds, int user, int n) {
    return java.util.Arrays.copyOf(ds.sequence(user), n);
  }

  @Test
  void meanAndSampleStandardDeviation() {
    assertThat(MethodResult.mean(List.of(0.2, 0.4, 0.6))).isCloseTo(0.4, within(1e-12));
    assertThat(MethodResult.std(List.of(0.2, 0.4, 0.6))).isCloseTo(0.2, within(1e-12));
    assertThat(MethodResult.std(List.of(0.3))).isZero();
    assertThat(MethodResult.mean(List.of())).isNaN();
  }

  @Test
  void barChartDrawsBarsToScale() {
    BufferedImage img =
        BarChart.render(
            "t",
            "y",
            List.of(new BarChart.Bar("a", 0.5, 0.1), new BarChart.Bar("b", 0.25, 0)),
            600,
            400);
    assertThat(img.getWidth()).isEqualTo(600);
    // Plot area: x from 70 to 510 (two slots of 220), y from 50 to 280 (230 px, top 0.70).
    int baseY = 400 - 120 - 2;
    int cxA = 70 + 220 / 2 + 10;
    int cxB = 70 + 220 + 220 / 2 + 10;
    assertThat(img.getRGB(cxA, baseY) & 0xffffff).isNotEqualTo(0xffffff);
    assertThat(img.getRGB(cxB, baseY) & 0xffffff).isNotEqualTo(0xffffff);
    int topB = 50 + 230 - (int) Math.round(0.25 / 0.7 * 230);
    assertThat(img.getRGB(cxB, topB + 3) & 0xffffff).isNotEqualTo(0xffffff);
    assertThat(img.getRGB(cxB, topB - 25) & 0xffffff).isEqualTo(0xffffff);
  }

  @Test
  void replacingASectionKeepsTheRestAndDoesNotDuplicate(@TempDir Path tmp) throws Exception {
    Path md = tmp.resolve("RESULTS.md");
    Files.writeString(md, "# Results\n\nintro\n");
    ResultsWriter.replaceSection(md, "x", "first\n");
    ResultsWriter.replaceSection(md, "y", "other\n");
    ResultsWriter.replaceSection(md, "x", "second\n");
    String text = Files.readString(md);
    assertThat(text).startsWith("# Results\n\nintro\n").contains("second\n").contains("other\n");
    assertThat(text).doesNotContain("first");
    assertThat(text.split("<!-- x start -->", -1)).hasSize(2);
    assertThat(text.indexOf("<!-- x start -->")).isLessThan(text.indexOf("<!-- y start -->"));
  }
}
