/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void growsGeometricallyUpToTheBoundWithBoundedSeededJitter() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), 2, 0.2, 1);
    assertThat(b.base(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.base(1)).isEqualTo(Duration.ofMillis(200));
    assertThat(b.base(5)).isEqualTo(Duration.ofMillis(3200));
    assertThat(b.base(6)).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.base(1000)).isEqualTo(Duration.ofSeconds(5));
    Backoff.Sampler s1 = b.sampler();
    Backoff.Sampler s2 = b.sampler();
    for (int i = 0; i < 50; i++) {
      long ms = s1.delay(i).toMillis();
      long base = b.base(i).toMillis();
      assertThat(ms).isBetween((long) (0.8 * base) - 1, (long) (1.2 * base) + 1);
      assertThat(s2.delay(i).toMillis()).isEqualTo(ms);
    }
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0, 0))
        .hasMessageContaining("max must be >= initial");
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5, 0))
        .hasMessageContaining("jitter must be in [0, 1), got 1.5");
  }
}
