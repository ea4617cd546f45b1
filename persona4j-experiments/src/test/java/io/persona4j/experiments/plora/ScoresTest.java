/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metrics against hand computations, the rating classes, and the paired bootstrap. */
class ScoresTest {
  @Test
  void accuracyRmseAndMacroF1MatchHandComputations() {
    // truth, prediction on 10 classes (half stars)
    List<int[]> p = List.of(new int[] {0, 0}, new int[] {1, 2}, new int[] {2, 2}, new int[] {3, 0});
    Scores s = Scores.of(p, 10);
    assertThat(s.accuracy()).isEqualTo(0.5);
    // differences 0, 1, 0, 3 classes = 0, 0.5, 0, 1.5 stars: sqrt((0.25 + 2.25) / 4)
    assertThat(s.rmse()).isCloseTo(Math.sqrt(2.5 / 4), within(1e-12));
    // classes present: 0 (tp 1, truth 1, pred 2: F1 2/3), 1 (0), 2 (tp 1, truth 1, pred 2: 2/3),
    // 3 (0): macro (2/3 + 2/3) / 4, as scikit-learn's f1_score(average="macro")
    assertThat(s.macroF1()).isCloseTo((4.0 / 3) / 4, within(1e-12));
    assertThat(Scores.of(p, 5).rmse()).isCloseTo(Math.sqrt(10.0 / 4), within(1e-12));
  }

  @Test
  void ratingsMapToTenAndFiveClasses() {
    assertThat(RatingData.label(0.5f, 10)).isZero();
    assertThat(RatingData.label(5.0f, 10)).isEqualTo(9);
    assertThat(RatingData.label(3.5f, 10)).isEqualTo(6);
    assertThat(RatingData.label(0.5f, 5)).isZero();
    assertThat(RatingData.label(1.0f, 5)).isZero();
    assertThat(RatingData.label(1.5f, 5)).isEqualTo(1);
    assertThat(RatingData.label(5.0f, 5)).isEqualTo(4);
  }

  @Test
  void pairedBootstrapCoversTheDifferenceAndSeesNoneBetweenEqualMethods() {
    Map<String, List<int[]>> a = new LinkedHashMap<>();
    Map<String, List<int[]>> b = new LinkedHashMap<>();
    for (int u = 0; u < 40; u++) {
      List<int[]> ra = new ArrayList<>();
      List<int[]> rb = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int y = (u + i) % 3;
        ra.add(new int[] {y, i < 4 ? y : (y + 1) % 3}); // 80% right
        rb.add(new int[] {y, i < 2 ? y : (y + 1) % 3}); // 40% right
      }
      a.put("u" + u, ra);
      b.put("u" + u, rb);
    }
    double[] d = Scores.pairedBootstrap(a, b, 3, "accuracy", 500, 1);
    assertThat(d[0]).isCloseTo(0.4, within(1e-12));
    assertThat(d[1]).isLessThanOrEqualTo(0.4);
    assertThat(d[2]).isGreaterThanOrEqualTo(0.4);
    double[] same = Scores.pairedBootstrap(a, a, 3, "accuracy", 500, 1);
    assertThat(same).containsExactly(0.0, 0.0, 0.0);
  }
}
