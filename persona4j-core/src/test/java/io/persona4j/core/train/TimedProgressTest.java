/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Off a terminal, training progress is a plain line at a fixed interval (issue 11, point 8). */
class TimedProgressTest {
  long nanos;

  @Test
  void timedProgressPrintsPlainLinesAtTheIntervalAndTheLastStep() {
    List<String> lines = new ArrayList<>();
    ProgressListener p = ProgressListener.timed(Duration.ofSeconds(60), () -> nanos, lines::add);
    FakeContext c = new FakeContext(100);
    p.onTrainBegin(c);
    for (long s = 1; s <= 100; s++) {
      nanos += 5_000_000_000L; // 5 s a step: a line every 12 steps
      p.onStep(c, FakeContext.step(s, 1.0 / s));
    }
    p.onEvaluation(c, new EvalMetrics(100, 0.5, Double.NaN, 4));
    p.onTrainEnd(c, null);
    assertThat(lines.get(0)).startsWith("step 1/100 | loss 1.0000");
    assertThat(lines.get(1)).startsWith("step 13/100 ");
    assertThat(lines.get(1)).contains("elapsed 0:01:05");
    assertThat(lines.get(lines.size() - 2)).startsWith("step 100/100 ");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("step 100 | eval loss 0.5000");
    // steps 1, 13, 25, ..., 97 and 100, then the evaluation
    assertThat(lines).hasSize(11).noneMatch(l -> l.contains("\r"));
  }
}
