/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.wire.WireFormat;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings are validated where they are made, naming the field and the value. */
class ConfigValidationTest {
  @Test
  void steerConfig() {
    SteerConfig d = SteerConfig.builder().build();
    assertThat(d.rule()).isEqualTo(SteeringRule.iterative(SteerParams.DEFAULTS));
    assertThat(d.adaptive()).isFalse();
    assertThat(d.wire()).isEqualTo(WireFormat.F32);
    assertThat(d.systemPrompt()).isEqualTo("You are a helpful assistant.");
    assertThat(d.withAda(0.1, 3).adaptive()).isTrue();
    assertThat(d.withWire(WireFormat.topK(8)).toBuilder().build().wire())
        .isEqualTo(WireFormat.topK(8));
    assertThatThrownBy(() -> SteerConfig.builder().optMaxNewTokens(0).build())
        .hasMessageContaining("max new tokens must be >= 1, got 0");
    assertThatThrownBy(() -> SteerConfig.builder().optAda(1.5, 3).build())
        .hasMessageContaining("ada threshold must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> SteerConfig.builder().optAda(0.1, 0).build())
        .hasMessageContaining("ada patience");
    assertThatThrownBy(() -> SteerConfig.builder().optSampling(-1, 1, 0).build())
        .hasMessageContaining("temperature");
    assertThatThrownBy(() -> SteerConfig.builder().optSampling(1, 0, 0).build())
        .hasMessageContaining("top-p must be in (0, 1], got 0.0");
    assertThatThrownBy(() -> SteerConfig.builder().optMinVocabOverlap(2).build())
        .hasMessageContaining("min vocabulary overlap");
    assertThatThrownBy(() -> SteerConfig.builder().optTimeout(Duration.ZERO).build())
        .hasMessageContaining("timeout");
  }

  @Test
  void cloudServerConfig() {
    CloudServerConfig c = CloudServerConfig.builder().build();
    assertThat(c.bindHost()).isEqualTo("127.0.0.1");
    assertThat(c.batching()).isTrue();
    assertThatThrownBy(() -> CloudServerConfig.builder().optPort(70000).build())
        .hasMessageContaining("port must be in [0, 65535], got 70000");
    assertThatThrownBy(() -> CloudServerConfig.builder().optMaxSessions(0).build())
        .hasMessageContaining("maxSessions");
    assertThatThrownBy(
            () -> CloudServerConfig.builder().optIdleTimeout(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("idleTimeout must be a positive duration");
    assertThatThrownBy(() -> CloudServerConfig.builder().optBindHost(" ").build())
        .hasMessageContaining("bindHost");
  }

  @Test
  void vocabularies() {
    assertThatThrownBy(() -> new Vocabulary(List.of(), 3, new long[0], "v"))
        .hasMessageContaining("empty vocabulary");
    assertThatThrownBy(() -> new Vocabulary(List.of("a", "b"), 2, new long[] {5}, "v"))
        .hasMessageContaining("EOS id 5 outside the vocabulary [0, 2)");
    Vocabulary v = new Vocabulary(List.of("a", "b"), 2, new long[] {1}, "v");
    assertThatThrownBy(() -> VocabularyAlignment.of(v, v, 1.5)).hasMessageContaining("[0, 1]");
  }
}
