package io.persona4j.cli;

import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * The live one-line progress of a federated run: a {@link Grid} decorator that remembers the last
 * exchange (bytes, time, failures) and a {@link Strategy} decorator that prints one line per
 * aggregated round, e.g. {@code round 2/5: 3 ok, 1 failed (c4 DROPPED) | loss 3.1245 | up 41.2 kB,
 * down 40.9 kB | 2.3 s | epsilon 1.87}. Replies' losses are averaged with equal weights (a reply
 * without a loss, as under secure aggregation, contributes none).
 */
final class FedProgress {
  private final PrintStream out;
  private final int rounds;
  private final DoubleSupplier epsilon;
  private volatile RoundResult last;
  private volatile long lastNanos;

  /**
   * @param out where the lines go (stderr)
   * @param rounds the configured number of rounds
   * @param epsilon the privacy spent so far, or null without DP
   */
  FedProgress(PrintStream out, int rounds, DoubleSupplier epsilon) {
    this.out = out;
    this.rounds = rounds;
    this.epsilon = epsilon;
  }

  /** {@code inner}, recording each exchange. */
  Grid grid(Grid inner) {
    return new Grid() {
      @Override
      public List<String> clients() {
        return inner.clients();
      }

      @Override
      public RoundResult send(List<Instruction> instructions, Duration deadline) {
        long t0 = System.nanoTime();
        RoundResult r = inner.send(instructions, deadline);
        lastNanos = System.nanoTime() - t0;
        last = r;
        return r;
      }
    };
  }

  /** {@code inner}, printing a line after each aggregation. */
  Strategy strategy(Strategy inner) {
    return new Strategy() {
      @Override
      public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
        return inner.configureRound(round, state, sampled);
      }

      @Override
      public ServerState aggregate(
          int round, List<Reply> replies, List<Failure> failures, ServerState state) {
        ServerState next = inner.aggregate(round, replies, failures, state);
        out.println(line(round, replies, failures));
        out.flush();
        return next;
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
    };
  }

  String line(int round, List<Reply> replies, List<Failure> failures) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "round %d/%d: %d ok", round, rounds, replies.size()));
    if (!failures.isEmpty()) {
      b.append(", ").append(failures.size()).append(" failed (");
      for (int i = 0; i < failures.size(); i++) {
        Failure f = failures.get(i);
        b.append(i == 0 ? "" : ", ").append(f.clientId()).append(' ').append(f.kind());
      }
      b.append(')');
    }
    double loss = 0;
    int n = 0;
    for (Reply r : replies) {
      Double l = r.metrics().get(Reply.LOSS);
      if (l != null && Double.isFinite(l)) {
        loss += l;
        n++;
      }
    }
    if (n > 0) {
      b.append(String.format(Locale.ROOT, " | loss %.4f", loss / n));
    }
    RoundResult r = last;
    if (r != null) {
      long up = 0;
      long down = 0;
      for (ClientStats s : r.stats()) {
        up += s.bytesUp();
        down += s.bytesDown();
      }
      b.append(" | up ").append(kb(up)).append(", down ").append(kb(down));
      b.append(String.format(Locale.ROOT, " | %.1f s", lastNanos / 1e9));
    }
    if (epsilon != null) {
      b.append(String.format(Locale.ROOT, " | epsilon %.4f", epsilon.getAsDouble()));
    }
    return b.toString();
  }

  private static String kb(long bytes) {
    return String.format(Locale.ROOT, "%.1f kB", bytes / 1000.0);
  }
}
