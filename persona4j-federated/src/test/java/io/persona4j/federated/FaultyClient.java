/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.Set;

/** Wraps a client and misbehaves in the given rounds (all rounds if {@code rounds} is empty). */
final class FaultyClient implements ClientApp {

  enum Fault {
    NAN,
    WRONG_SHAPE,
    HUGE_UPDATE,
    SLOW,
    THROW,
    ERROR_REPLY
  }

  private final ClientApp inner;
  private final Fault fault;
  private final Set<Integer> rounds;

  FaultyClient(ClientApp inner, Fault fault, Set<Integer> rounds) {
    this.inner = inner;
    this.fault = fault;
    this.rounds = rounds;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    if (!rounds.isEmpty() && !rounds.contains(in.round())) {
      return inner.fit(in);
    }
    switch (fault) {
      case SLOW -> {
        Thread.sleep(5_000);
        return inner.fit(in);
      }
      case THROW -> throw new IllegalStateException("simulated dropout");
      case ERROR_REPLY -> {
        return Reply.error(in, "out of memory (simulated)");
      }
      default -> {}
    }
    Reply r = inner.fit(in);
    float[] flat = r.parameters().flatten();
    ParameterSet p =
        switch (fault) {
          case NAN -> {
            flat[3] = Float.NaN;
            yield r.parameters().withFlatValues(flat);
          }
          case HUGE_UPDATE -> {
            for (int i = 0; i < flat.length; i++) {
              flat[i] += 1000f;
            }
            yield r.parameters().withFlatValues(flat);
          }
          case WRONG_SHAPE ->
              ParameterSet.builder()
                  .add("w", new int[] {3, 2}, java.util.Arrays.copyOfRange(flat, 0, 6))
                  .add("b", new int[] {2}, java.util.Arrays.copyOfRange(flat, 6, 8))
                  .build();
          default -> throw new AssertionError(fault);
        };
    return new Reply(r.clientId(), r.round(), p, r.numExamples(), r.metrics(), null);
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return inner.evaluate(in);
  }
}
