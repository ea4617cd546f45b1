package io.persona4j.federated;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * state is checkpointed atomically, then one JSONL line per attempt is appended to the log (sampled
 * clients, failures, per-client bytes up/down, local time, loss). {@link #run} resumes from the
 * checkpoint when one exists and logs a {@code resume} event.
 *
 * <p>An {@code ok} log line is written only after its round's checkpoint is committed, so every
 * such line describes durable state; a crash between the two loses that one log line, never state.
 * Sampling depends only on (seed, round, attempt) and strategies are deterministic, so a resumed
 * run with deterministic clients reproduces an uninterrupted one exactly. Retries are immediate (no
 * back-off).
 */
public final class FederatedServer {

  private static final Logger LOG = LoggerFactory.getLogger(FederatedServer.class);

  private final Grid grid;
  private final Strategy strategy;
  private final ServerConfig config;
  private final ReplyValidator validator;
  private final StateCheckpoint checkpoint;
  private final AccountingLog log;

  /** A server driving {@code strategy} over {@code grid}. */
  public FederatedServer(Grid grid, Strategy strategy, ServerConfig config) {
    this.grid = grid;
    this.strategy = strategy;
    this.config = config;
    this.validator = new ReplyValidator(config.maxUpdateNorm(), strategy.requiredMetrics());
    this.checkpoint =
        config.checkpointDir() == null ? null : new StateCheckpoint(config.checkpointDir());
    this.log = config.logFile() == null ? null : new AccountingLog(config.logFile());
  }

  /**
   * Runs rounds {@code last completed + 1 .. config.rounds()}, starting from the checkpoint if one
   * exists, else from {@code initial}; returns the final state.
   */
  public ServerState run(ServerState initial) {
    ServerState state = initial;
    if (checkpoint != null) {
      try {
        Optional<StateCheckpoint.Saved> saved = checkpoint.loadSaved();
        if (saved.isPresent()) {
          state = saved.get().state();
          strategy.restoreState(saved.get().strategyState());
          LOG.info("resuming after round {} from {}", state.round(), config.checkpointDir());
          Map<String, Object> event = new LinkedHashMap<>();
          event.put("event", "resume");
          event.put("afterRound", state.round());
          logLine(event);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load checkpoint in " + config.checkpointDir(), e);
      }
    }
    for (int round = state.round() + 1; round <= config.rounds(); round++) {
      state = runRound(round, state);
    }
    return state;
  }

  private ServerState runRound(int round, ServerState state) {
    List<Failure> lastFailures = List.of();
    List<String> history = new ArrayList<>();
    for (int attempt = 0; attempt <= config.maxRetries(); attempt++) {
      List<String> available = grid.clients();
      if (available.size() < config.sampler().minClients()) {
        String why =
            "attempt "
                + attempt
                + ": only "
                + available.size()
                + " clients available, the sampler needs "
                + config.sampler().minClients();
        history.add(why);
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("round", round);
        rec.put("attempt", attempt);
        rec.put("status", attempt == config.maxRetries() ? "stopped" : "retry");
        rec.put("reason", why);
        logLine(rec);
        LOG.warn("round {} {}", round, why);
        continue;
      }
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
      List<Instruction> instructions = strategy.configureRound(round, state, sampled);
      long t0 = System.nanoTime();
      RoundResult result = grid.send(instructions, config.roundDeadline());
      long wallNanos = System.nanoTime() - t0;

      Map<String, Instruction> byClient = new HashMap<>();
      for (Instruction in : instructions) {
        byClient.put(in.clientId(), in);
      }
      List<Reply> valid = new ArrayList<>();
      List<Failure> failures = new ArrayList<>(result.failures());
      Map<String, Reply> replyOf = new HashMap<>();
      for (Reply r : result.replies()) {
        Instruction in = byClient.get(r.clientId());
        if (in == null || replyOf.containsKey(r.clientId())) {
          LOG.warn(
              "round {}: ignoring unexpected or duplicate reply from '{}'", round, r.clientId());
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
      for (Instruction in : instructions) {
        if (!accounted.contains(in.clientId())) {
          failures.add(
              new Failure(
                  in.clientId(),
                  Failure.Kind.INVALID_REPLY,
                  "the grid returned neither a reply nor a failure for this client"));
        }
      }
      boolean ok = valid.size() >= config.minReplies();
      boolean last = attempt == config.maxRetries();
      ServerState next = null;
      if (ok) {
        next = strategy.aggregate(round, List.copyOf(valid), List.copyOf(failures), state);
        if (next.round() != round) {
          throw new IllegalStateException(
              "strategy returned state of round " + next.round() + " for round " + round);
        }
        if (checkpoint != null) {
          try {
            checkpoint.save(next, strategy.checkpointState());
          } catch (IOException e) {
            throw new UncheckedIOException(
                "cannot write checkpoint of round " + round + " to " + config.checkpointDir(), e);
          }
        }
      }
      String status = ok ? "ok" : (last ? "stopped" : "retry");
      logLine(record(round, attempt, status, sampled, valid, failures, result, replyOf, wallNanos));
      if (ok) {
        LOG.info("round {}: {} valid replies, {} failures", round, valid.size(), failures.size());
        return next;
      }
      lastFailures = failures;
      history.add(
          "attempt " + attempt + ": " + valid.size() + " valid of " + sampled.size() + " sampled");
      LOG.warn(
          "round {} attempt {}: {} valid replies < minReplies {} ({})",
          round,
          attempt,
          valid.size(),
          config.minReplies(),
          status);
    }
    StringBuilder msg =
        new StringBuilder("round ")
            .append(round)
            .append(": fewer than minReplies=")
            .append(config.minReplies())
            .append(" valid replies after ")
            .append(config.maxRetries() + 1)
            .append(" attempts (")
            .append(String.join("; ", history))
            .append("); last failures: ");
    for (Failure f : lastFailures) {
      msg.append(f.clientId())
          .append(' ')
          .append(f.kind())
          .append(" (")
          .append(f.reason())
          .append("); ");
    }
    msg.append("state of round ").append(state.round()).append(" is kept");
    if (checkpoint != null) {
      msg.append(" in ").append(config.checkpointDir()).append(" and a rerun resumes from it");
    }
    throw new FederatedRunException(round, msg.toString(), lastFailures);
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

  private static Map<String, Object> record(
      int round,
      int attempt,
      String status,
      List<String> sampled,
      List<Reply> valid,
      List<Failure> failures,
      RoundResult result,
      Map<String, Reply> replyOf,
      long wallNanos) {
    Map<String, Failure> failureOf = new HashMap<>();
    for (Failure f : failures) {
      failureOf.put(f.clientId(), f);
    }
    long down = 0;
    long up = 0;
    List<Map<String, Object>> clients = new ArrayList<>();
    for (ClientStats s : result.stats()) {
      down += s.bytesDown();
      up += s.bytesUp();
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("client", s.clientId());
      Failure f = failureOf.get(s.clientId());
      c.put("status", f == null ? "ok" : f.kind().name());
      if (f != null) {
        c.put("reason", f.reason());
      }
      c.put("bytesDown", s.bytesDown());
      c.put("bytesUp", s.bytesUp());
      c.put("localMs", s.localNanos() / 1e6);
      Reply r = replyOf.get(s.clientId());
      if (r != null && !r.isError()) {
        c.put("numExamples", r.numExamples());
        Double loss = r.metrics().get(Reply.LOSS);
        if (loss != null && Double.isFinite(loss)) {
          c.put("loss", loss);
        }
      }
      clients.add(c);
    }
    Map<String, Object> rec = new LinkedHashMap<>();
    rec.put("round", round);
    rec.put("attempt", attempt);
    rec.put("status", status);
    rec.put("sampled", sampled);
    rec.put("validReplies", valid.size());
    rec.put("failures", failures.size());
    rec.put("bytesDown", down);
    rec.put("bytesUp", up);
    rec.put("wallMs", wallNanos / 1e6);
    rec.put("clients", clients);
    return rec;
  }

  private void logLine(Map<String, Object> record) {
    if (log != null) {
      log.append(record);
    }
  }
}
