/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  @Test
  void perExampleValues() {
    assertThat(RankingMetrics.ndcg(0, 10)).isEqualTo(1.0);
    assertThat(RankingMetrics.ndcg(1, 10)).isCloseTo(0.6309297535714575, within(1e-15)); // 1/log2 3
    assertThat(RankingMetrics.ndcg(2, 10)).isCloseTo(0.5, within(1e-15));
    assertThat(RankingMetrics.ndcg(3, 10)).isCloseTo(0.43067655807339306, within(1e-15));
    assertThat(RankingMetrics.ndcg(9, 10))
        .isCloseTo(1 / (Math.log(11) / Math.log(2)), within(1e-15));
    assertThat(RankingMetrics.ndcg(10, 10)).isZero();
    assertThat(RankingMetrics.hit(9, 10)).isEqualTo(1.0);
    assertThat(RankingMetrics.hit(10, 10)).isZero();
    assertThat(RankingMetrics.hit(0, 1)).isEqualTo(1.0);
  }

  @Test
  void meansOverExamples() {
    RankingMetrics m = new RankingMetrics().add(0).add(2).add(12).add(1);
    assertThat(m.count()).isEqualTo(4);
    assertThat(m.hitRate(1)).isEqualTo(0.25);
    assertThat(m.hitRate(10)).isEqualTo(0.75);
    assertThat(m.hitRate(20)).isEqualTo(1.0);
    // (1 + 0.5 + 0 + 0.63092975) / 4
    assertThat(m.ndcg(10)).isCloseTo((1 + 0.5 + 0.6309297535714575) / 4, within(1e-12));
    assertThat(m.ndcg(2)).isCloseTo((1 + 0.6309297535714575) / 4, within(1e-12));
    assertThat(m.meanRank()).isEqualTo(15 / 4.0);
    RankingMetrics many = new RankingMetrics();
    for (int i = 0; i < 100; i++) {
      many.add(i % 20);
    }
    assertThat(many.hitRate(10)).isEqualTo(0.5);
    assertThat(new RankingMetrics().addAll(m).addAll(many).count()).isEqualTo(104);
    assertThat(m.toString()).contains("n=4").contains("HR@10=0.7500");
  }

  @Test
  void emptyAndInvalid() {
    assertThat(new RankingMetrics().hitRate(10)).isZero();
    assertThatThrownBy(() -> new RankingMetrics().add(-1))
        .hasMessageContaining("rank must be >= 0");
    assertThatThrownBy(() -> RankingMetrics.hit(0, 0)).hasMessageContaining("k must be >= 1");
  }
}
