/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ServerState;

/**
 * Thrown by {@link DpFedAvg#configureRound} before a round whose accounting would push epsilon past
 * the configured budget. It propagates out of {@code FederatedServer.run}; the state of the last
 * completed round is {@link #lastState()} (and is in the checkpoint, when one is configured).
 */
public final class PrivacyBudgetExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int round;
  private final double spent;
  private final double projected;
  private final double budget;
  private final transient ServerState lastState;

  /**
   * @param round the round that was not run
   * @param spent epsilon spent by the completed rounds
   * @param projected epsilon after {@code round}
   * @param budget the budget
   * @param delta the delta
   * @param lastState the state after round {@code round - 1}
   */
  public PrivacyBudgetExceededException(
      int round,
      double spent,
      double projected,
      double budget,
      double delta,
      ServerState lastState) {
    super(
        "privacy budget reached: round "
            + round
            + " would raise epsilon from "
            + spent
            + " to "
            + projected
            + " > budget "
            + budget
            + " (delta "
            + delta
            + "); stopping with the state of round "
            + lastState.round());
    this.round = round;
    this.spent = spent;
    this.projected = projected;
    this.budget = budget;
    this.lastState = lastState;
  }

  /** The round that was not run. */
  public int round() {
    return round;
  }

  /** Epsilon spent by the completed rounds. */
  public double spent() {
    return spent;
  }

  /** Epsilon the refused round would have reached. */
  public double projected() {
    return projected;
  }

  /** The configured budget. */
  public double budget() {
    return budget;
  }

  /** The state after the last completed round: the final model of the run. */
  public ServerState lastState() {
    return lastState;
  }
}
