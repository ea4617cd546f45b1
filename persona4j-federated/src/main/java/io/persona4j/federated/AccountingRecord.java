/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.List;
import java.util.Objects;

/**
 * One line of a federated run's accounting log ({@link AccountingLog}): a round attempt ({@link
 * Round}) or a restart from a checkpoint ({@link Resume}). {@link FederatedServer} writes one
 * {@code Round} per attempt and hands each record to its {@link RoundListener}s; {@link
 * AccountingLog#read} gives them back, typed.
 */
public sealed interface AccountingRecord permits AccountingRecord.Round, AccountingRecord.Resume {

  /** How a round attempt ended. */
  enum Status {
    /** Enough valid replies: aggregated and checkpointed. */
    OK,
    /** Too few valid replies (or available clients); the round is attempted again. */
    RETRY,
    /** Too few on the last attempt: the run stops. */
    STOPPED;

    /** The spelling in the log: {@code ok}, {@code retry}, {@code stopped}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One round attempt.
   *
   * @param round the round, {@code >= 1}
   * @param attempt the attempt, 0 for the first
   * @param status how it ended
   * @param reason why no client was sampled (too few available), else null
   * @param sampled the sampled clients (empty when too few were available)
   * @param validReplies number of valid replies
   * @param failures number of failed clients
   * @param bytesDown bytes sent to the clients
   * @param bytesUp bytes received from the clients
   * @param wallMs time of the exchange (milliseconds)
   * @param clients one entry per addressed client, in the grid's order
   */
  record Round(
      int round,
      int attempt,
      Status status,
      String reason,
      List<String> sampled,
      int validReplies,
      int failures,
      long bytesDown,
      long bytesUp,
      double wallMs,
      List<Client> clients)
      implements AccountingRecord {

    /** Validates and copies the lists. */
    public Round {
      if (round < 1 || attempt < 0) {
        throw new IllegalArgumentException("round must be >= 1 and attempt >= 0, got " + round);
      }
      Objects.requireNonNull(status, "status");
      sampled = List.copyOf(sampled);
      clients = List.copyOf(clients);
    }

    /**
     * The mean training loss over the clients whose reply was valid and carried a finite loss, with
     * equal weights, or NaN if none did (as under secure aggregation).
     */
    public double meanLoss() {
      double sum = 0;
      int n = 0;
      for (Client c : clients) {
        if (c.ok() && c.loss() != null) {
          sum += c.loss();
          n++;
        }
      }
      return n == 0 ? Double.NaN : sum / n;
    }
  }

  /**
   * One client in one round attempt.
   *
   * @param client the client id
   * @param failure why it did not contribute, or null when its reply was valid
   * @param reason the failure's explanation, or null
   * @param bytesDown bytes sent to it
   * @param bytesUp bytes received from it
   * @param localMs its local time (milliseconds; negative when unknown)
   * @param numExamples the examples it declared, or null without a (non-error) reply
   * @param loss its training loss, or null without a finite one
   */
  record Client(
      String client,
      Failure.Kind failure,
      String reason,
      long bytesDown,
      long bytesUp,
      double localMs,
      Long numExamples,
      Double loss) {

    /** Validates the fields. */
    public Client {
      Objects.requireNonNull(client, "client");
      if ((failure == null) != (reason == null)) {
        throw new IllegalArgumentException("failure and reason go together, got " + failure);
      }
    }

    /** Whether the client's reply was valid. */
    public boolean ok() {
      return failure == null;
    }
  }

  /**
   * A restart from a checkpoint.
   *
   * @param afterRound the last round of the checkpoint
   */
  record Resume(int afterRound) implements AccountingRecord {}
}
