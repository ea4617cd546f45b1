/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server round loop. For each round: sample clients (seeded, fraction and minimum), let the
 * {@link Strategy} configure instructions, send them through the {@link Grid} with the round
 * deadline, validate every reply ({@link ReplyValidator}), and aggregate if at least {@code
 * minReplies} are valid; otherwise retry the round with a fresh sample, and after {@code
 * maxRetries} retries stop with a {@link FederatedRunException}. After each successful round the
 * state is checkpointed atomically, then one {@link AccountingRecord.Round} per attempt is appended
 * to the log (sampled clients, failures, per-client bytes up/down, local time, loss) and handed to
 * the {@link RoundListener}. {@link #run} resumes from the checkpoint when one exists and logs a
 * {@link AccountingRecord.Resume}.
 *
 * <p>An {@code ok} log line is written only after its round's checkpoint is committed, so every
 * such line describes durable state; a crash between the two loses that one log line, never state.
 * Sampling depends only on (seed, round, attempt) and strategies are deterministic, so a resumed
 * run with deterministic clients reproduces an uninterrupted one exactly. Retries are immediate (no
 * back-off).
 *
 * <p>Errors: a client's error, timeout or invalid reply is a {@link Failure} of that client, never
 * an exception here; an unreadable or malformed checkpoint, or a checkpoint or log that cannot be
 * written, is an {@link IOException} naming the file; a configuration the run cannot satisfy (fewer
 * clients sampled than {@code minReplies}) or too few valid replies after the retries is a {@link
 * FederatedRunException}.
 */
public final class FederatedServer {

  private static final Logger LOG = LoggerFactory.getLogger(FederatedServer.class);

  private final Grid grid;
  private final Strategy strategy;
  private final ServerConfig config;
  private final ReplyValidator validator;
  private final StateCheckpoint checkpoint;
  private final AccountingLog log;
  private final RoundListener listener;

  /** A server driving {@code strategy} over {@code grid}. */
  public FederatedServer(Grid grid, Strategy strategy, ServerConfig config) {
    this(grid, strategy, config, r -> {});
  }

  /** A server that also tells {@code listener} about every accounting record. */
  public FederatedServer(
      Grid grid, Strategy strategy, ServerConfig config, RoundListener listener) {
    this.grid = Objects.requireNonNull(grid, "grid");
    this.strategy = Objects.requireNonNull(strategy, "strategy");
    this.config = Objects.requireNonNull(config, "config");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.validator = new ReplyValidator(config.maxUpdateNorm(), strategy.requiredMetrics());
    this.checkpoint =
        config.checkpointDir() == null ? null : new StateCheckpoint(config.checkpointDir());
    this.log = config.logFile() == null ? null : new AccountingLog(config.logFile());
  }

  /**
   * Runs rounds {@code last completed + 1 .. config.rounds()}, starting from the checkpoint if one
   * exists, else from {@code initial}; returns the final state.
   *
   * @throws IOException if the checkpoint cannot be read or written, or the log cannot be written
   * @throws FederatedRunException if a round gets too few valid replies after its retries
   */
  public ServerState run(ServerState initial) throws IOException {
    ServerState state = resume(initial);
    for (int round = state.round() + 1; round <= config.rounds(); round++) {
      state = runRound(round, state);
    }
    return state;
  }

  /** The checkpointed state (restoring the strategy's state with it), else {@code initial}. */
  private ServerState resume(ServerState initial) throws IOException {
    if (checkpoint == null) {
      return initial;
    }
    Optional<StateCheckpoint.Saved> saved = checkpoint.loadSaved();
    if (saved.isEmpty()) {
      return initial;
    }
    ServerState state = saved.get().state();
    strategy.restoreState(saved.get().strategyState());
    LOG.info("resuming after round {} from {}", state.round(), config.checkpointDir());
    record(new AccountingRecord.Resume(state.round()));
    return state;
  }

  /** One round: attempts until one gets {@code minReplies} valid replies or the retries run out. */
  private ServerState runRound(int round, ServerState state) throws IOException {
    List<String> history = new ArrayList<>();
    List<Failure> lastFailures = List.of();
    String lastReason = null;
    for (int attempt = 0; attempt <= config.maxRetries(); attempt++) {
      AccountingRecord.Status notOk =
          attempt == config.maxRetries()
              ? AccountingRecord.Status.STOPPED
              : AccountingRecord.Status.RETRY;
      List<String> available = grid.clients();
      if (available.size() < config.sampler().minClients()) {
        lastReason =
            "only "
                + available.size()
                + " clients available, the sampler needs "
                + config.sampler().minClients();
        history.add("attempt " + attempt + ": " + lastReason);
        lastFailures = List.of();
        record(unavailable(round, attempt, notOk, lastReason));
        LOG.warn("round {} attempt {}: {}", round, attempt, lastReason);
        continue;
      }
      List<String> sampled = sample(round, attempt, available);
      Exchange exchange = exchange(round, state, sampled);
      Validated checked = validate(round, exchange);
      if (checked.valid().size() >= config.minReplies()) {
        ServerState next = aggregate(round, checked, state);
        commit(round, next);
        record(
            attemptRecord(round, attempt, AccountingRecord.Status.OK, sampled, exchange, checked));
        LOG.info(
            "round {}: {} valid replies, {} failures",
            round,
            checked.valid().size(),
            checked.failures().size());
        return next;
      }
      record(attemptRecord(round, attempt, notOk, sampled, exchange, checked));
      lastFailures = checked.failures();
      lastReason = null;
      history.add(
          "attempt "
              + attempt
              + ": "
              + checked.valid().size()
              + " valid of "
              + sampled.size()
              + " sampled");
      LOG.warn(
          "round {} attempt {}: {} valid replies < minReplies {} ({})",
          round,
          attempt,
          checked.valid().size(),
          config.minReplies(),
          notOk.label());
    }
    throw stopped(round, state, history, lastFailures, lastReason);
  }

  /** The seeded sample; fails when it cannot reach {@code minReplies} even if all reply. */
  private List<String> sample(int round, int attempt, List<String> available) {
    List<String> sampled = config.sampler().sample(round, attempt, available);
    if (sampled.size() < config.minReplies()) {
      throw new FederatedRunException(
          round,
          "round "
              + round
              + ": only "
              + sampled.size()
              + " clients sampled but minReplies is "
              + config.minReplies()
              + "; raise the fraction or minimum of the sampler, or lower minReplies",
          List.of());
    }
    return sampled;
  }

  /** The instructions of one attempt and what came back, timed. */
  private record Exchange(List<Instruction> instructions, RoundResult result, long wallNanos) {}

  private Exchange exchange(int round, ServerState state, List<String> sampled) {
    List<Instruction> instructions = strategy.configureRound(round, state, sampled);
    long t0 = System.nanoTime();
    RoundResult result = grid.send(instructions, config.roundDeadline());
    return new Exchange(instructions, result, System.nanoTime() - t0);
  }

  /** The valid replies, every failure (the grid's, the validator's, unaccounted clients). */
  private record Validated(List<Reply> valid, List<Failure> failures, Map<String, Reply> replyOf) {}

  private Validated validate(int round, Exchange exchange) {
    Map<String, Instruction> byClient = new HashMap<>();
    for (Instruction in : exchange.instructions()) {
      byClient.put(in.clientId(), in);
    }
    List<Reply> valid = new ArrayList<>();
    List<Failure> failures = new ArrayList<>(exchange.result().failures());
    Map<String, Reply> replyOf = new LinkedHashMap<>();
    for (Reply r : exchange.result().replies()) {
      Instruction in = byClient.get(r.clientId());
      if (in == null || replyOf.containsKey(r.clientId())) {
        LOG.warn("round {}: ignoring unexpected or duplicate reply from '{}'", round, r.clientId());
        continue;
      }
      replyOf.put(r.clientId(), r);
      Optional<Failure> bad = validator.check(in, r);
      if (bad.isPresent()) {
        failures.add(bad.get());
        LOG.warn(
            "round {}: client '{}' {}: {}",
            round,
            r.clientId(),
            bad.get().kind(),
            bad.get().reason());
      } else {
        valid.add(r);
      }
    }
    Set<String> accounted = new HashSet<>(replyOf.keySet());
    failures.forEach(f -> accounted.add(f.clientId()));
    for (Instruction in : exchange.instructions()) {
      if (!accounted.contains(in.clientId())) {
        failures.add(
            new Failure(
                in.clientId(),
                Failure.Kind.INVALID_REPLY,
                "the grid returned neither a reply nor a failure for this client"));
      }
    }
    return new Validated(List.copyOf(valid), List.copyOf(failures), replyOf);
  }

  private ServerState aggregate(int round, Validated checked, ServerState state) {
    ServerState next = strategy.aggregate(round, checked.valid(), checked.failures(), state);
    if (next.round() != round) {
      throw new IllegalStateException(
          "strategy returned state of round " + next.round() + " for round " + round);
    }
    return next;
  }

  /** Checkpoints {@code next} with the strategy's state (the commit point of the round). */
  private void commit(int round, ServerState next) throws IOException {
    if (checkpoint == null) {
      return;
    }
    try {
      checkpoint.save(next, strategy.checkpointState());
    } catch (IOException e) {
      throw new IOException(
          "cannot write checkpoint of round " + round + " to " + config.checkpointDir() + ": " + e,
          e);
    }
  }

  private void record(AccountingRecord r) throws IOException {
    if (log != null) {
      log.append(r);
    }
    listener.onRecord(r);
  }

  /** Why the run stops: every attempt, the last failures (or the last reason), the kept state. */
  private FederatedRunException stopped(
      int round,
      ServerState state,
      List<String> history,
      List<Failure> lastFailures,
      String lastReason) {
    StringBuilder msg =
        new StringBuilder("round ")
            .append(round)
            .append(": fewer than minReplies=")
            .append(config.minReplies())
            .append(" valid replies after ")
            .append(config.maxRetries() + 1)
            .append(config.maxRetries() == 0 ? " attempt (" : " attempts (")
            .append(String.join("; ", history))
            .append(")");
    if (!lastFailures.isEmpty()) {
      msg.append("; last failures: ");
      for (int i = 0; i < lastFailures.size(); i++) {
        Failure f = lastFailures.get(i);
        msg.append(i == 0 ? "" : "; ")
            .append(f.clientId())
            .append(' ')
            .append(f.kind())
            .append(" (")
            .append(f.reason())
            .append(')');
      }
    } else if (lastReason != null) {
      msg.append("; the last attempt sampled no client: ").append(lastReason);
    }
    if (state.round() == 0) {
      msg.append("; no round completed, so there is no checkpoint to resume from");
    } else if (checkpoint != null) {
      msg.append("; the state of round ")
          .append(state.round())
          .append(" is kept in ")
          .append(config.checkpointDir())
          .append(" and a rerun resumes from it");
    } else {
      msg.append("; the state of round ")
          .append(state.round())
          .append(" is kept in memory only (no checkpoint directory)");
    }
    return new FederatedRunException(round, msg.toString(), lastFailures);
  }

  /**
   * Sends an EVALUATE instruction with each client's current parameters to every client of the grid
   * and returns the raw result (replies and failures).
   */
  public RoundResult evaluate(ServerState state) {
    List<Instruction> instructions = new ArrayList<>();
    int round = Math.max(1, state.round());
    for (String id : grid.clients()) {
      instructions.add(
          new Instruction(Instruction.Task.EVALUATE, round, id, state.parametersFor(id), Map.of()));
    }
    return grid.send(instructions, config.roundDeadline());
  }

  private static AccountingRecord.Round unavailable(
      int round, int attempt, AccountingRecord.Status status, String reason) {
    return new AccountingRecord.Round(
        round, attempt, status, reason, List.of(), 0, 0, 0, 0, 0, List.of());
  }

  /** The log record of an attempt that sampled clients. */
  private static AccountingRecord.Round attemptRecord(
      int round,
      int attempt,
      AccountingRecord.Status status,
      List<String> sampled,
      Exchange exchange,
      Validated checked) {
    Map<String, Failure> failureOf = new LinkedHashMap<>();
    for (Failure f : checked.failures()) {
      failureOf.put(f.clientId(), f);
    }
    long down = 0;
    long up = 0;
    List<AccountingRecord.Client> clients = new ArrayList<>();
    Set<String> listed = new HashSet<>();
    for (ClientStats s : exchange.result().stats()) {
      down += s.bytesDown();
      up += s.bytesUp();
      listed.add(s.clientId());
      clients.add(
          client(
              s.clientId(),
              failureOf.get(s.clientId()),
              s.bytesDown(),
              s.bytesUp(),
              s.localNanos() / 1e6,
              checked.replyOf().get(s.clientId())));
    }
    for (Failure f : failureOf.values()) {
      if (listed.add(f.clientId())) {
        clients.add(client(f.clientId(), f, 0, 0, -1, checked.replyOf().get(f.clientId())));
      }
    }
    return new AccountingRecord.Round(
        round,
        attempt,
        status,
        null,
        sampled,
        checked.valid().size(),
        checked.failures().size(),
        down,
        up,
        exchange.wallNanos() / 1e6,
        clients);
  }

  private static AccountingRecord.Client client(
      String id, Failure f, long down, long up, double localMs, Reply r) {
    Long examples = null;
    Double loss = null;
    if (r != null && !r.isError()) {
      examples = r.numExamples();
      Double l = r.metrics().get(Reply.LOSS);
      loss = l != null && Double.isFinite(l) ? l : null;
    }
    return new AccountingRecord.Client(
        id,
        f == null ? null : f.kind(),
        f == null ? null : f.reason(),
        down,
        up,
        localMs,
        examples,
        loss);
  }
}
