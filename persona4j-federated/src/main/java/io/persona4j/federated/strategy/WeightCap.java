/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps each client's weight on the server before the inner strategy aggregates: a reply's declared
 * example count (the FedAvg weight, which the client alone knows and can inflate at will) counts as
 * at most {@code min(maxExamples, floor(maxOverMedian * m))}, where m is the lower median of the
 * counts declared in the round (at least 1). With honest clients in the majority, one client then
 * weighs at most as much as an honest client with {@code maxOverMedian} times the median's data
 * could: claiming 10^15 examples buys nothing. {@link #equal} gives every reply weight 1.
 *
 * <p>A decorator: round configuration, required metrics and checkpoint state are the inner
 * strategy's. Only the weights change, never the parameters; the accounting log still records what
 * each client declared.
 */
public final class WeightCap implements Strategy {

  private static final Logger LOG = LoggerFactory.getLogger(WeightCap.class);

  private final Strategy inner;
  private final long maxExamples;
  private final double maxOverMedian;

  /**
   * @param inner the strategy that aggregates the capped replies
   * @param maxExamples absolute cap on a reply's weight, {@code >= 1} ({@code Long.MAX_VALUE}:
   *     none)
   * @param maxOverMedian cap relative to the round's lower-median declared count, {@code >= 1}
   *     ({@code Double.POSITIVE_INFINITY}: none)
   */
  public WeightCap(Strategy inner, long maxExamples, double maxOverMedian) {
    if (inner == null) {
      throw new IllegalArgumentException("inner strategy must not be null");
    }
    if (maxExamples < 1) {
      throw new IllegalArgumentException("maxExamples must be >= 1, got " + maxExamples);
    }
    if (!(maxOverMedian >= 1)) {
      throw new IllegalArgumentException("maxOverMedian must be >= 1, got " + maxOverMedian);
    }
    this.inner = inner;
    this.maxExamples = maxExamples;
    this.maxOverMedian = maxOverMedian;
  }

  /** Every reply weighs 1 (the unweighted mean with FedAvg). */
  public static WeightCap equal(Strategy inner) {
    return new WeightCap(inner, 1, Double.POSITIVE_INFINITY);
  }

  /**
   * The weight a reply declaring {@code declared} examples gets in a round capped at {@code cap}.
   */
  static long capped(long declared, long cap) {
    return Math.max(1, Math.min(declared, cap));
  }

  /** The cap of a round whose replies declare {@code counts}. */
  long cap(long[] counts) {
    long cap = maxExamples;
    if (maxOverMedian != Double.POSITIVE_INFINITY && counts.length > 0) {
      long[] sorted = counts.clone();
      Arrays.sort(sorted);
      long median = Math.max(1, sorted[(sorted.length - 1) / 2]);
      double relative = Math.floor(maxOverMedian * median);
      cap = Math.min(cap, relative >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) relative);
    }
    return Math.max(1, cap);
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    return inner.configureRound(round, state, sampled);
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    long[] counts = new long[replies.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = replies.get(i).numExamples();
    }
    long cap = cap(counts);
    List<Reply> out = new ArrayList<>(replies.size());
    for (Reply r : replies) {
      long w = r.isError() ? r.numExamples() : capped(r.numExamples(), cap);
      if (w != r.numExamples() && maxExamples > 1) {
        LOG.warn(
            String.format(
                Locale.ROOT,
                "round %d: client '%s' declared %d examples; weighted as %d (the round's cap)",
                round,
                r.clientId(),
                r.numExamples(),
                w));
      }
      out.add(
          w == r.numExamples()
              ? r
              : new Reply(r.clientId(), r.round(), r.parameters(), w, r.metrics(), r.error()));
    }
    return inner.aggregate(round, out, failures, state);
  }

  @Override
  public Set<String> requiredMetrics() {
    return inner.requiredMetrics();
  }

  @Override
  public String checkpointState() {
    return inner.checkpointState();
  }

  @Override
  public void restoreState(String state) {
    inner.restoreState(state);
  }
}
