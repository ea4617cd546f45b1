/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.CommunicationGraph;
import io.persona4j.privacy.secagg.SecAggClient;
import io.persona4j.privacy.secagg.SecAggConfig;
import io.persona4j.privacy.secagg.Stage;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client-side decorator for secure aggregation ({@link SecureAggregationGrid}): runs the wrapped
 * app's training and then the client half of the SecAgg protocol ({@link SecAggClient}), one stage
 * per FIT instruction, so that the server only ever receives protocol messages and a masked
 * fixed-point encoding of the update.
 *
 * <ul>
 *   <li>{@code ADVERTISE_KEYS}: the instruction is the strategy's FIT instruction plus the protocol
 *       settings; the wrapped app trains on it (protocol keys removed from its config), the update
 *       {@code reply - sent} is kept locally, and the client answers with its public keys.
 *   <li>{@code SHARE_KEYS}, {@code MASKED_INPUT}, {@code UNMASKING}: the server's message is in the
 *       config; the client answers with encrypted shares, the masked encoded update, and the
 *       unmasking shares.
 * </ul>
 *
 * <p>Replies carry the message bytes in the one-tensor format of {@link SecAggWire}. Evaluation
 * passes through unchanged. One instance per client; rounds are kept apart by the session id.
 */
public final class SecAggClientApp implements ClientApp {
  /** Config key naming the protocol stage of an instruction. */
  public static final String STAGE_KEY = SecAggWire.STAGE_KEY;

  private final ClientApp inner;
  private final RandomSource random;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  private record Session(SecAggClient client, float[] update) {}

  /**
   * @param inner the training app (e.g. a {@link ClippingClient})
   * @param random source of the self-mask seed and Shamir coefficients ({@link
   *     RandomSource#secure()} in production)
   */
  public SecAggClientApp(ClientApp inner, RandomSource random) {
    this.inner = inner;
    this.random = random;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    Object stageName = in.config().get(STAGE_KEY);
    if (!(stageName instanceof String name)) {
      throw new IllegalStateException(
          "instruction for client '"
              + in.clientId()
              + "' has no '"
              + STAGE_KEY
              + "': a SecAggClientApp must be driven by a SecureAggregationGrid");
    }
    Stage stage = Stage.valueOf(name);
    String sessionId = String.valueOf(in.config().get(SecAggWire.SESSION_KEY));
    byte[] out;
    switch (stage) {
      case ADVERTISE_KEYS -> {
        Map<String, Object> own = new TreeMap<>();
        in.config()
            .forEach(
                (k, v) -> {
                  if (!k.startsWith("secagg_")) {
                    own.put(k, v);
                  }
                });
        Instruction train =
            new Instruction(in.task(), in.round(), in.clientId(), in.parameters(), own);
        Reply r = inner.fit(train);
        if (r.isError()) {
          return r;
        }
        float[] sent = in.parameters().flatten();
        float[] update = r.parameters().flatten();
        for (int i = 0; i < update.length; i++) {
          update[i] -= sent[i];
        }
        SecAggClient client =
            new SecAggClient(config(in), intConfig(in, SecAggWire.ID_KEY), random);
        String roundPrefix = in.round() + ":";
        sessions.keySet().removeIf(k -> !k.startsWith(roundPrefix)); // abandoned earlier rounds
        sessions.put(sessionId, new Session(client, update));
        out = SecAggWire.encode(client.advertiseKeys());
      }
      case SHARE_KEYS ->
          out =
              SecAggWire.encode(
                  session(sessionId)
                      .client()
                      .shareKeys(SecAggWire.decodeKeyDirectory(message(in))));
      case MASKED_INPUT -> {
        Session s = session(sessionId);
        out =
            SecAggWire.encode(
                s.client().maskedInput(SecAggWire.decodeShareDelivery(message(in)), s.update()));
      }
      case UNMASKING -> {
        Session s = sessions.remove(sessionId);
        if (s == null) {
          throw new IllegalStateException("no secure-aggregation session " + sessionId);
        }
        out = SecAggWire.encode(s.client().unmask(SecAggWire.decodeSurvivorList(message(in))));
      }
      default -> throw new IllegalStateException("no client message in stage " + stage);
    }
    return Reply.ok(in, SecAggWire.toParameters(out), 1, Map.of());
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return inner.evaluate(in);
  }

  private Session session(String id) {
    Session s = sessions.get(id);
    if (s == null) {
      throw new IllegalStateException("no secure-aggregation session " + id);
    }
    return s;
  }

  private static byte[] message(Instruction in) {
    return SecAggWire.fromConfig(in.config().get(SecAggWire.MESSAGE_KEY));
  }

  private static int intConfig(Instruction in, String key) {
    return Math.toIntExact(longConfig(in, key));
  }

  private static long longConfig(Instruction in, String key) {
    if (!(in.config().get(key) instanceof Number n)) {
      throw new IllegalArgumentException(
          "config '" + key + "' missing or not a number: " + in.config().get(key));
    }
    return n.longValue();
  }

  private static SecAggConfig config(Instruction in) {
    FixedPoint fp =
        new FixedPoint(
            in.configDouble(SecAggWire.FP_CLIP_KEY, Double.NaN),
            in.configDouble(SecAggWire.FP_SCALE_KEY, Double.NaN),
            longConfig(in, SecAggWire.FP_MODULUS_KEY));
    int n = intConfig(in, SecAggWire.CLIENTS_KEY);
    int degree =
        in.config().containsKey(SecAggWire.GRAPH_DEGREE_KEY)
            ? intConfig(in, SecAggWire.GRAPH_DEGREE_KEY)
            : 0;
    CommunicationGraph graph =
        degree == 0
            ? CommunicationGraph.complete(n)
            : CommunicationGraph.harary(n, degree, longConfig(in, SecAggWire.GRAPH_SEED_KEY));
    return new SecAggConfig(
        n,
        intConfig(in, SecAggWire.THRESHOLD_KEY),
        intConfig(in, SecAggWire.LENGTH_KEY),
        fp,
        graph);
  }
}
