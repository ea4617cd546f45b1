/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.RoundResult;
import io.persona4j.privacy.encoding.FixedPoint;
import java.time.Duration;
import java.util.List;

/**
 * A {@link Grid} decorator that answers every FIT send with a secure-aggregation round ({@link
 * SecAggRound}) over the wrapped grid, whose clients run {@link SecAggClientApp}. It lets the
 * unchanged {@code FederatedServer} and any global FedAvg-like strategy (FedAvg, FedProx, {@link
 * DpFedAvg}) run with secure aggregation: the server side only ever holds masked vectors and the
 * unmasked sum.
 *
 * <p>Why a grid decorator and not a strategy: the protocol needs four exchanges per round, while
 * {@code FederatedServer} makes one {@link Grid#send} per round attempt and a {@link
 * io.persona4j.federated.Strategy} never touches the grid.
 *
 * <p>What the server sees: each client included in the sum is reported as replying with the
 * aggregate mean {@code sent + sum / included} and weight 1 (the only per-client information that
 * exists under secure aggregation); every other addressed client is a failure. A FedAvg-like
 * strategy therefore computes the equal-weight mean of the included clients' (fixed-point
 * quantized) updates, and {@link DpFedAvg} in distributed mode divides the same sum by the sample
 * size. EVALUATE sends pass through unchanged.
 */
public final class SecureAggregationGrid implements Grid {
  private final Grid inner;
  private final SecAggRound protocol;

  /**
   * @param inner the transport to clients running {@link SecAggClientApp}
   * @param fixedPoint the encoding of updates (clip each coordinate, scale, masking modulus)
   * @param thresholdFraction Shamir threshold as a fraction of the sampled clients (see {@link
   *     SecAggRound#threshold})
   */
  public SecureAggregationGrid(Grid inner, FixedPoint fixedPoint, double thresholdFraction) {
    this(inner, fixedPoint, thresholdFraction, 0);
  }

  /**
   * Secure aggregation with SecAgg+ when {@code graphDegree > 0} (see {@link
   * SecAggRound#SecAggRound(Grid, FixedPoint, double, int)}).
   */
  public SecureAggregationGrid(
      Grid inner, FixedPoint fixedPoint, double thresholdFraction, int graphDegree) {
    this.inner = inner;
    this.protocol = new SecAggRound(inner, fixedPoint, thresholdFraction, graphDegree);
  }

  @Override
  public List<String> clients() {
    return inner.clients();
  }

  @Override
  public RoundResult send(List<Instruction> instructions, Duration deadline) {
    boolean allFit = instructions.stream().allMatch(i -> i.task() == Instruction.Task.FIT);
    boolean anyFit = instructions.stream().anyMatch(i -> i.task() == Instruction.Task.FIT);
    if (!anyFit) {
      return inner.send(instructions, deadline);
    }
    if (!allFit) {
      throw new IllegalArgumentException("a send must not mix FIT and EVALUATE instructions");
    }
    SecAggRound.Outcome out = protocol.run(instructions, deadline);
    return new RoundResult(out.meanReplies(instructions.get(0)), out.failures(), out.stats());
  }
}
