/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.AccountingRecord;
import io.persona4j.federated.RoundListener;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The live progress of a federated run: one line per round attempt, written when the attempt is
 * recorded (for a successful one, after its checkpoint is committed), e.g.
 *
 * <pre>
 * round 2/5: 3 ok, 1 failed (c4 DROPPED) | loss 3.1245 | up 41.2 kB, down 40.9 kB | 2.3 s | epsilon 1.87
 * round 3/5 attempt 0: 1 ok, 2 failed (c1 TIMEOUT, c2 DROPPED): retry
 * </pre>
 *
 * The loss is the equal-weight mean over the valid replies that carry one (under secure aggregation
 * none do). A restart from a checkpoint prints {@code resuming after round N}.
 */
public final class ProgressLine implements RoundListener {
  private final Consumer<String> out;
  private final int rounds;
  private final DoubleSupplier epsilon;

  /**
   * @param out where the lines go (e.g. {@code System.err::println})
   * @param rounds the configured number of rounds
   * @param epsilon the privacy spent so far, or null without DP
   */
  public ProgressLine(Consumer<String> out, int rounds, DoubleSupplier epsilon) {
    this.out = Objects.requireNonNull(out, "out");
    this.rounds = rounds;
    this.epsilon = epsilon;
  }

  @Override
  public void onRecord(AccountingRecord record) {
    out.accept(
        switch (record) {
          case AccountingRecord.Resume r -> "resuming after round " + r.afterRound();
          case AccountingRecord.Round r -> line(r);
        });
  }

  /** The line of one round attempt. */
  public String line(AccountingRecord.Round r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "round %d/%d", r.round(), rounds));
    if (r.status() != AccountingRecord.Status.OK) {
      b.append(" attempt ").append(r.attempt());
    }
    if (r.reason() != null) {
      return b.append(": ").append(r.reason()).append(": ").append(r.status().label()).toString();
    }
    b.append(": ").append(r.validReplies()).append(" ok");
    if (r.failures() > 0) {
      b.append(", ").append(r.failures()).append(" failed (");
      boolean first = true;
      for (AccountingRecord.Client c : r.clients()) {
        if (!c.ok()) {
          b.append(first ? "" : ", ").append(c.client()).append(' ').append(c.failure());
          first = false;
        }
      }
      b.append(')');
    }
    if (r.status() != AccountingRecord.Status.OK) {
      return b.append(": ").append(r.status().label()).toString();
    }
    double loss = r.meanLoss();
    if (!Double.isNaN(loss)) {
      b.append(String.format(Locale.ROOT, " | loss %.4f", loss));
    }
    b.append(" | up ").append(kb(r.bytesUp())).append(", down ").append(kb(r.bytesDown()));
    b.append(String.format(Locale.ROOT, " | %.1f s", r.wallMs() / 1000));
    if (epsilon != null) {
      b.append(String.format(Locale.ROOT, " | epsilon %.4f", epsilon.getAsDouble()));
    }
    return b.toString();
  }

  private static String kb(long bytes) {
    return String.format(Locale.ROOT, "%.1f kB", bytes / 1000.0);
  }
}
