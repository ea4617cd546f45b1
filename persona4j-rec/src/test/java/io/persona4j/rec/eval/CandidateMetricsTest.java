/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.eval;

import static io.persona4j.rec.eval.CandidateMetrics.Outcome.CORRECT;
import static io.persona4j.rec.eval.CandidateMetrics.Outcome.INVALID;
import static io.persona4j.rec.eval.CandidateMetrics.Outcome.WRONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CandidateMetricsTest {
  private static final List<String> TITLES =
      List.of("Toy Story (1995)", "Heat (1995)", "Jumanji (1995)");

  @Test
  void judgesGeneratedText() {
    assertThat(CandidateMetrics.judge("Heat (1995)", TITLES, 1)).isEqualTo(CORRECT);
    assertThat(CandidateMetrics.judge(" The answer: Heat (1995).</s>", TITLES, 1))
        .isEqualTo(CORRECT);
    assertThat(CandidateMetrics.judge("Jumanji (1995)", TITLES, 1)).isEqualTo(WRONG);
    assertThat(CandidateMetrics.judge("Heat (1995) or Jumanji (1995)", TITLES, 1))
        .isEqualTo(INVALID);
    assertThat(CandidateMetrics.judge("Heat", TITLES, 1)).isEqualTo(INVALID);
    assertThat(CandidateMetrics.judge("heat (1995)", TITLES, 1)).isEqualTo(INVALID);
    assertThatThrownBy(() -> CandidateMetrics.judge("x", TITLES, 3))
        .hasMessageContaining("targetIndex must be in [0, 3), got 3");
  }

  @Test
  void countsAndRatios() {
    CandidateMetrics m = new CandidateMetrics();
    for (CandidateMetrics.Outcome o :
        List.of(
            CORRECT, WRONG, INVALID, CORRECT, CORRECT, WRONG, INVALID, WRONG, CORRECT, INVALID)) {
      m.add(o);
    }
    m.addChoice(5, 5).addChoice(4, 5);
    assertThat(m.total()).isEqualTo(12);
    assertThat(m.valid()).isEqualTo(9);
    assertThat(m.correct()).isEqualTo(5);
    assertThat(m.validRatio()).isEqualTo(9 / 12.0);
    assertThat(m.hitRatio1()).isEqualTo(5 / 12.0);
    assertThat(m.toString()).contains("ValidRatio=0.7500").contains("HitRatio@1=0.4167");
    assertThat(new CandidateMetrics().hitRatio1()).isZero();
  }
}
