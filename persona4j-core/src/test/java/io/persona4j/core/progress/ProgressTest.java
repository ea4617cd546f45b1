/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
  /** A clock the test moves by hand, in seconds. */
  static final class Clock {
    long nanos;

    void advance(double seconds) {
      nanos += (long) (seconds * 1e9);
    }
  }

  @Test
  void printsTheFirstUpdateThenAtMostOnePerIntervalAndTheLast() {
    Clock clock = new Clock();
    List<String> lines = new ArrayList<>();
    Progress p = new Progress("eval", 10, Duration.ofSeconds(30), () -> clock.nanos, lines::add);
    for (int done = 1; done <= 10; done++) {
      clock.advance(10);
      p.update(done);
    }
    // t = 10 (first), 40, 70, 100 (the last; also 30 s after the previous)
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).isEqualTo("eval: 1/10 (10%) | elapsed 0:00:10 | ETA 0:01:30");
    assertThat(lines.get(1)).startsWith("eval: 4/10 (40%)");
    assertThat(lines.get(2)).startsWith("eval: 7/10 ");
    assertThat(lines.get(3)).startsWith("eval: 10/10 (100%) | elapsed 0:01:40 | ETA 0:00:00");
  }

  @Test
  void theIntervalComesFromThePropertyAndBadValuesNameIt() {
    String old = System.getProperty(Progress.INTERVAL_PROPERTY);
    try {
      System.setProperty(Progress.INTERVAL_PROPERTY, "2.5");
      assertThat(Progress.interval()).isEqualTo(Duration.ofMillis(2500));
      System.setProperty(Progress.INTERVAL_PROPERTY, "soon");
      assertThatThrownBy(Progress::interval)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Progress.INTERVAL_PROPERTY)
          .hasMessageContaining("soon");
      System.clearProperty(Progress.INTERVAL_PROPERTY);
      if (System.getenv(Progress.INTERVAL_ENV) == null) {
        assertThat(Progress.interval()).isEqualTo(Progress.DEFAULT_INTERVAL);
      }
    } finally {
      if (old == null) {
        System.clearProperty(Progress.INTERVAL_PROPERTY);
      } else {
        System.setProperty(Progress.INTERVAL_PROPERTY, old);
      }
    }
  }

  @Test
  void theSinkCanBeRedirected() {
    List<String> lines = new ArrayList<>();
    var previous = Progress.setSink(lines::add);
    try {
      Progress p = Progress.start("work", 2);
      p.update(1);
      p.update(2);
    } finally {
      Progress.setSink(previous);
    }
    assertThat(lines).hasSize(2).allMatch(l -> l.startsWith("work: "));
  }
}
