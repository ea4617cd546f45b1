/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplyValidatorTest {

  private static final ParameterSet SENT = QuadraticClient.layout(new float[8]);
  private static final Instruction IN = Instruction.fit(4, "c1", SENT, Map.of());

  private static Reply reply(ParameterSet p, Map<String, Double> metrics) {
    return Reply.ok(IN, p, 5, metrics);
  }

  private static float[] ones() {
    float[] f = new float[8];
    java.util.Arrays.fill(f, 1f);
    return f;
  }

  @Test
  void validReplyPasses() {
    ReplyValidator v = new ReplyValidator(3.0, Set.of(Reply.LOSS));
    // update norm sqrt(8) = 2.83 <= 3
    assertThat(v.check(IN, reply(QuadraticClient.layout(ones()), Map.of(Reply.LOSS, 0.5))))
        .isEmpty();
  }

  @Test
  void nanInfWrongShapeAndOverNormAreInvalid() {
    ReplyValidator v = new ReplyValidator(2.0, Set.of());
    float[] nan = ones();
    nan[2] = Float.NaN;
    Failure f = v.check(IN, reply(QuadraticClient.layout(nan), Map.of())).orElseThrow();
    assertThat(f.kind()).isEqualTo(Failure.Kind.INVALID_REPLY);
    assertThat(f.reason()).contains("non-finite").contains("w[2]=NaN");

    float[] inf = new float[8];
    inf[7] = Float.NEGATIVE_INFINITY;
    assertThat(v.check(IN, reply(QuadraticClient.layout(inf), Map.of())).orElseThrow().reason())
        .contains("b[1]=-Infinity");

    ParameterSet wrongShape =
        ParameterSet.builder()
            .add("w", new int[] {6}, new float[6])
            .add("b", new int[] {2}, new float[2])
            .build();
    assertThat(v.check(IN, reply(wrongShape, Map.of())).orElseThrow().reason())
        .contains("tensor 'w' has shape [6], expected [2, 3]");

    assertThat(v.check(IN, reply(QuadraticClient.layout(ones()), Map.of())).orElseThrow().reason())
        .contains("update norm 2.828")
        .contains("exceeds bound 2.0");
  }

  @Test
  void errorsMissingMetricsAndMismatchedRounds() {
    ReplyValidator v = new ReplyValidator(Double.POSITIVE_INFINITY, Set.of(Reply.LOSS));
    Failure err = v.check(IN, Reply.error(IN, "disk full")).orElseThrow();
    assertThat(err.kind()).isEqualTo(Failure.Kind.CLIENT_ERROR);
    assertThat(err.reason()).isEqualTo("disk full");
    assertThat(v.check(IN, reply(SENT, Map.of())).orElseThrow().reason())
        .contains("metric 'loss' missing");
    assertThat(v.check(IN, reply(SENT, Map.of(Reply.LOSS, Double.NaN))).orElseThrow().reason())
        .contains("metric 'loss'");
    Reply stale = new Reply("c1", 3, SENT, 5, Map.of(Reply.LOSS, 1.0), null);
    assertThat(v.check(IN, stale).orElseThrow().reason())
        .contains("round 3, expected 'c1' round 4");
    Reply zero = new Reply("c1", 4, SENT, 0, Map.of(Reply.LOSS, 1.0), null);
    assertThat(v.check(IN, zero).orElseThrow().reason()).contains("numExamples must be > 0");
  }
}
