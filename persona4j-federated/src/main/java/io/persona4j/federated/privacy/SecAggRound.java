/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.CommunicationGraph;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.Result;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.SecAggAbortedException;
import io.persona4j.privacy.secagg.SecAggConfig;
import io.persona4j.privacy.secagg.SecAggRejection;
import io.persona4j.privacy.secagg.SecAggServer;
import io.persona4j.privacy.secagg.Stage;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * The server half of one secure-aggregation round (Bonawitz et al. 2017, {@link SecAggServer}) run
 * as four successive {@link Grid} exchanges of FIT instructions, one per client stage: {@code
 * ADVERTISE_KEYS} (the strategy's instruction: clients train and advertise keys), {@code
 * SHARE_KEYS}, {@code MASKED_INPUT} and {@code UNMASKING}. Clients must run {@link
 * SecAggClientApp}. Protocol ids 1..n are the instructions' clients in sorted order. Every reply is
 * a protocol message (see {@link SecAggWire}); the server only decodes the masked inputs' modular
 * sum after unmasking, never an individual update.
 *
 * <p>A client that fails an exchange (grid failure, error reply, malformed or rejected message) is
 * excluded from the later stages. Clients that sent a masked input are in the sum even if they drop
 * during unmasking (their self-mask is rebuilt from the others' shares, as in the protocol). When a
 * stage ends with fewer than the threshold of clients the round aborts and every client is a
 * failure.
 */
public final class SecAggRound {

  /**
   * What a secure round produced.
   *
   * @param sum the decoded sum of the included clients' updates (null if aborted)
   * @param included the clients whose updates are in the sum, sorted
   * @param failures the clients not in the sum, and why
   * @param stats per-client bytes and time summed over the four exchanges
   * @param unmaskingDropouts included clients that did not answer the unmasking stage
   */
  public record Outcome(
      double[] sum,
      List<String> included,
      List<Failure> failures,
      List<ClientStats> stats,
      List<String> unmaskingDropouts) {

    /**
     * What the server may know of each included client after the round: one reply per included
     * client carrying the aggregate mean {@code start + sum / included} of {@code sent}'s starting
     * parameters, with weight 1 (the same {@link ParameterSet} for all); none if the round aborted.
     *
     * @param sent an instruction of the round (all share their round and starting parameters)
     */
    public List<Reply> meanReplies(Instruction sent) {
      if (sum == null) {
        return List.of();
      }
      ParameterSet start = sent.parameters();
      float[] mean = start.flatten();
      for (int i = 0; i < mean.length; i++) {
        mean[i] = (float) (mean[i] + sum[i] / included.size());
      }
      ParameterSet aggregate = start.withFlatValues(mean);
      List<Reply> replies = new ArrayList<>();
      for (String c : included) {
        replies.add(new Reply(c, sent.round(), aggregate, 1, Map.of(), null));
      }
      return replies;
    }
  }

  private final Grid grid;
  private final FixedPoint fixedPoint;
  private final double thresholdFraction;
  private final int graphDegree;
  private final SecureRandom graphSeeds = new SecureRandom();

  /** SecAgg (complete graph), see {@link #SecAggRound(Grid, FixedPoint, double, int)}. */
  public SecAggRound(Grid grid, FixedPoint fixedPoint, double thresholdFraction) {
    this(grid, fixedPoint, thresholdFraction, 0);
  }

  /**
   * @param grid the transport to the clients
   * @param fixedPoint encoding of the updates (its clip bounds each coordinate of an update; its
   *     modulus is the masking modulus)
   * @param thresholdFraction Shamir threshold as a fraction of the n clients: {@code t =
   *     max(floor(n / 2) + 1, ceil(fraction * n))}, in (0, 1], where n is the neighbourhood size
   *     (all clients for SecAgg, degree + 1 for SecAgg+)
   * @param graphDegree 0 for SecAgg (every pair of clients masks), else SecAgg+ (Bell et al. 2020):
   *     an even degree k; each round draws a public random k-regular Harary graph ({@link
   *     CommunicationGraph#harary}) and clients mask and share only with their k neighbours. With
   *     fewer than {@code k + 2} clients (no sparse k-regular graph exists) the round uses the
   *     complete graph.
   */
  public SecAggRound(Grid grid, FixedPoint fixedPoint, double thresholdFraction, int graphDegree) {
    if (graphDegree < 0 || graphDegree % 2 != 0) {
      throw new IllegalArgumentException(
          "graphDegree must be 0 or an even number >= 2, got " + graphDegree);
    }
    this.graphDegree = graphDegree;
    if (!(thresholdFraction > 0 && thresholdFraction <= 1)) {
      throw new IllegalArgumentException(
          "thresholdFraction must be in (0, 1], got " + thresholdFraction);
    }
    this.grid = grid;
    this.fixedPoint = fixedPoint;
    this.thresholdFraction = thresholdFraction;
  }

  /** The Shamir threshold for n clients. */
  public int threshold(int n) {
    return Math.min(n, Math.max(n / 2 + 1, (int) Math.ceil(thresholdFraction * n - 1e-9)));
  }

  /**
   * Runs one round for FIT instructions that share one starting point; each exchange waits at most
   * {@code deadline}.
   */
  public Outcome run(List<Instruction> fit, Duration deadline) {
    if (fit.size() < 2) {
      throw new IllegalArgumentException(
          "secure aggregation needs >= 2 clients, got " + fit.size());
    }
    ParameterSet start = fit.get(0).parameters();
    Map<String, Instruction> byClient = new TreeMap<>();
    for (Instruction in : fit) {
      if (in.task() != Instruction.Task.FIT) {
        throw new IllegalArgumentException("secure aggregation runs FIT instructions, got " + in);
      }
      if (!in.parameters().equals(start)) {
        throw new IllegalArgumentException(
            "secure aggregation needs one shared starting point; client '"
                + in.clientId()
                + "' got other parameters");
      }
      if (byClient.put(in.clientId(), in) != null) {
        throw new IllegalArgumentException("two instructions for client '" + in.clientId() + "'");
      }
    }
    int n = byClient.size();
    int round = fit.get(0).round();
    List<String> ids = new ArrayList<>(byClient.keySet()); // protocol id = index + 1
    int length = Math.toIntExact(start.numElements());
    boolean sparse = graphDegree > 0 && n >= 4 && graphDegree < n - 1;
    long graphSeed = sparse ? graphSeeds.nextLong() : 0;
    CommunicationGraph graph =
        sparse
            ? CommunicationGraph.harary(n, graphDegree, graphSeed)
            : CommunicationGraph.complete(n);
    SecAggConfig config =
        new SecAggConfig(n, threshold(graph.minNeighborhood()), length, fixedPoint, graph);
    LoggerFactory.getLogger(SecAggRound.class)
        .info(
            "round {}: secure aggregation of {} clients, {} (threshold {})",
            round,
            n,
            sparse ? "SecAgg+ on a " + graphDegree + "-regular graph" : "complete graph",
            config.threshold());
    SecAggServer server = new SecAggServer(config);
    String session = round + ":" + UUID.randomUUID();
    Exchange ex = new Exchange(round, session, ids, deadline);

    try {
      // ADVERTISE_KEYS: the strategy's instruction plus the protocol settings.
      Map<Integer, Instruction> first = new TreeMap<>();
      for (int i = 1; i <= n; i++) {
        Instruction in = byClient.get(ids.get(i - 1));
        Map<String, Object> c = new TreeMap<>(in.config());
        c.put(SecAggWire.STAGE_KEY, Stage.ADVERTISE_KEYS.name());
        c.put(SecAggWire.SESSION_KEY, session);
        c.put(SecAggWire.ID_KEY, i);
        c.put(SecAggWire.CLIENTS_KEY, n);
        c.put(SecAggWire.THRESHOLD_KEY, config.threshold());
        c.put(SecAggWire.LENGTH_KEY, length);
        c.put(SecAggWire.FP_CLIP_KEY, fixedPoint.clip());
        c.put(SecAggWire.FP_SCALE_KEY, fixedPoint.scale());
        c.put(SecAggWire.FP_MODULUS_KEY, fixedPoint.modulus());
        if (sparse) {
          c.put(SecAggWire.GRAPH_DEGREE_KEY, graphDegree);
          c.put(SecAggWire.GRAPH_SEED_KEY, graphSeed);
        }
        first.put(i, new Instruction(in.task(), round, in.clientId(), in.parameters(), c));
      }
      ex.send(
          first,
          (id, b) -> {
            var m = SecAggWire.decodeAdvertiseKeys(b);
            server.receive(checked(id, m.clientId(), m));
          });
      KeyDirectory dir = server.closeAdvertiseKeys();

      byte[] dirBytes = SecAggWire.encode(dir);
      ex.send(
          ex.stage(Stage.SHARE_KEYS, dir.keys().keySet(), id -> dirBytes),
          (id, b) -> {
            var m = SecAggWire.decodeShareKeys(b);
            server.receive(checked(id, m.clientId(), m));
          });
      server.closeShareKeys();

      ex.send(
          ex.stage(Stage.MASKED_INPUT, ex.alive(), id -> SecAggWire.encode(server.deliveryFor(id))),
          (id, b) -> {
            var m = SecAggWire.decodeMaskedInput(b);
            server.receive(checked(id, m.clientId(), m));
          });
      SurvivorList survivors = server.closeMaskedInput();

      byte[] survivorBytes = SecAggWire.encode(survivors);
      List<Integer> askedToUnmask = new ArrayList<>(survivors.maskedInputSenders());
      ex.send(
          ex.stage(Stage.UNMASKING, survivors.maskedInputSenders(), id -> survivorBytes),
          (id, b) -> {
            var m = SecAggWire.decodeUnmaskShares(b);
            server.receive(checked(id, m.clientId(), m));
          });
      Result result = server.closeUnmasking();

      List<String> included = new ArrayList<>();
      for (int id : result.included()) {
        included.add(ids.get(id - 1));
      }
      List<String> lateDrops = new ArrayList<>();
      List<Failure> failures = new ArrayList<>();
      for (Failure f : ex.failures.values()) {
        if (included.contains(f.clientId())) {
          lateDrops.add(f.clientId());
        } else {
          failures.add(f);
        }
      }
      for (int id : askedToUnmask) {
        String c = ids.get(id - 1);
        if (!included.contains(c) && ex.failures.get(c) == null) {
          failures.add(new Failure(c, Failure.Kind.INVALID_REPLY, "input not in the sum"));
        }
      }
      return new Outcome(result.sum(), included, failures, ex.stats(), lateDrops);
    } catch (SecAggAbortedException e) {
      List<Failure> failures = new ArrayList<>();
      for (String c : ids) {
        Failure earlier = ex.failures.get(c);
        failures.add(
            new Failure(
                c,
                earlier == null ? Failure.Kind.INVALID_REPLY : earlier.kind(),
                "secure aggregation aborted: "
                    + e.getMessage()
                    + (earlier == null ? "" : "; this client: " + earlier.reason())));
      }
      return new Outcome(null, List.of(), failures, ex.stats(), List.of());
    }
  }

  /**
   * {@code m} if it names the protocol id of the client that sent it; a client cannot pose as
   * another.
   */
  private static <T> T checked(int expected, int claimed, T m) {
    if (claimed != expected) {
      throw new IllegalArgumentException(
          "message names protocol id " + claimed + ", the sender is " + expected);
    }
    return m;
  }

  /** The grid exchanges of one round and the per-client bookkeeping. */
  private final class Exchange {
    final int round;
    final String session;
    final List<String> ids;
    final Duration deadline;
    final Map<String, Failure> failures = new LinkedHashMap<>();
    final Map<String, long[]> stats = new TreeMap<>();
    final List<Integer> responded = new ArrayList<>();

    Exchange(int round, String session, List<String> ids, Duration deadline) {
      this.round = round;
      this.session = session;
      this.ids = ids;
      this.deadline = deadline;
      for (String c : ids) {
        stats.put(c, new long[3]);
      }
    }

    /** Protocol ids that answered the last exchange. */
    List<Integer> alive() {
      return List.copyOf(responded);
    }

    Map<Integer, Instruction> stage(
        Stage stage, Iterable<Integer> to, Function<Integer, byte[]> message) {
      Map<Integer, Instruction> out = new TreeMap<>();
      for (int id : to) {
        String c = ids.get(id - 1);
        if (failures.containsKey(c)) {
          continue;
        }
        Map<String, Object> cfg = new TreeMap<>();
        cfg.put(SecAggWire.STAGE_KEY, stage.name());
        cfg.put(SecAggWire.SESSION_KEY, session);
        cfg.put(SecAggWire.MESSAGE_KEY, SecAggWire.toConfig(message.apply(id)));
        out.put(id, Instruction.fit(round, c, ParameterSet.empty(), cfg));
      }
      return out;
    }

    /** Sends, and feeds every decodable reply to {@code receive}; the rest become failures. */
    void send(Map<Integer, Instruction> instructions, BiConsumer<Integer, byte[]> receive) {
      Map<String, Integer> idOf = new HashMap<>();
      instructions.forEach((id, in) -> idOf.put(in.clientId(), id));
      RoundResult r = grid.send(List.copyOf(instructions.values()), deadline);
      for (ClientStats s : r.stats()) {
        long[] acc = stats.get(s.clientId());
        if (acc != null) {
          acc[0] += s.bytesDown();
          acc[1] += s.bytesUp();
          acc[2] += s.localNanos();
        }
      }
      for (Failure f : r.failures()) {
        failures.putIfAbsent(f.clientId(), f);
      }
      responded.clear();
      for (Reply reply : r.replies()) {
        String c = reply.clientId();
        Integer id = idOf.get(c);
        if (id == null || failures.containsKey(c)) {
          continue;
        }
        if (reply.isError()) {
          failures.put(c, new Failure(c, Failure.Kind.CLIENT_ERROR, reply.error()));
          continue;
        }
        try {
          receive.accept(id, SecAggWire.fromParameters(reply.parameters()));
          responded.add(id);
        } catch (IllegalArgumentException | SecAggRejection e) {
          failures.put(c, new Failure(c, Failure.Kind.INVALID_REPLY, e.getMessage()));
        }
      }
      for (Map.Entry<String, Integer> e : idOf.entrySet()) {
        if (!responded.contains(e.getValue()) && !failures.containsKey(e.getKey())) {
          failures.put(
              e.getKey(),
              new Failure(e.getKey(), Failure.Kind.INVALID_REPLY, "no reply and no failure"));
        }
      }
    }

    List<ClientStats> stats() {
      List<ClientStats> out = new ArrayList<>();
      stats.forEach((c, a) -> out.add(new ClientStats(c, a[0], a[1], a[2])));
      return out;
    }
  }
}
