/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private static final long MS = 1_000_000L;

  private final LoginThrottle.Settings settings =
      new LoginThrottle.Settings(
          Duration.ofMillis(100), Duration.ofMillis(800), Duration.ofSeconds(60), 2);

  @Test
  void delaysDoubleUpToTheMaximum() {
    assertThat(settings.delay(0)).isEqualTo(Duration.ZERO);
    assertThat(settings.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(settings.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(settings.delay(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(settings.delay(60)).isEqualTo(Duration.ofMillis(800));
  }

  @Test
  void attemptsAfterFailuresQueueOnePerDelay() throws Exception {
    LoginThrottle t = new LoginThrottle(settings);
    InetAddress a = InetAddress.getByName("192.0.2.1");
    InetAddress other = InetAddress.getByName("192.0.2.2");
    long now = 1_000 * MS;
    assertThat(t.reserveNanos(a, now)).as("no failure yet").isZero();
    assertThat(t.failed(a, now)).isEqualTo(1);
    // three concurrent attempts right after the failure: 100 ms apart
    assertThat(t.reserveNanos(a, now)).isEqualTo(100 * MS);
    assertThat(t.reserveNanos(a, now)).isEqualTo(200 * MS);
    assertThat(t.reserveNanos(a, now)).isEqualTo(300 * MS);
    assertThat(t.reserveNanos(other, now)).as("another address is not delayed").isZero();
    // the second failure doubles the spacing
    assertThat(t.failed(a, now + 100 * MS)).isEqualTo(2);
    assertThat(t.reserveNanos(a, now + 400 * MS)).isEqualTo(0);
    assertThat(t.reserveNanos(a, now + 400 * MS)).isEqualTo(200 * MS);
  }

  @Test
  void failuresAreForgottenAndTrackingIsBounded() throws Exception {
    LoginThrottle t = new LoginThrottle(settings);
    InetAddress a = InetAddress.getByName("192.0.2.1");
    long now = 0;
    t.failed(a, now);
    assertThat(t.failures(a, now + 59_000 * MS)).isEqualTo(1);
    assertThat(t.failures(a, now + 61_000 * MS)).as("forgotten after a minute").isZero();
    t.failed(a, 0);
    t.failed(InetAddress.getByName("192.0.2.2"), 0);
    t.failed(InetAddress.getByName("192.0.2.3"), 0);
    assertThat(t.failures(a, 0)).as("at most 2 addresses tracked: the oldest went").isZero();
  }
}
