/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.dp.AdaptiveClipping;
import io.persona4j.privacy.dp.Clipping;
import io.persona4j.privacy.dp.RdpAccountant;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client-level DP-FedAvg (McMahan, Ramage, Talwar, Zhang, "Learning Differentially Private
 * Recurrent Language Models", ICLR 2018) as a decorator around a global FedAvg-like strategy
 * (FedAvg, FedProx).
 *
 * <p>Each round, with n clients sampled out of {@code population} ({@code q = n / population}):
 *
 * <ol>
 *   <li>{@link #configureRound} delegates to the inner strategy and adds the current clip norm
 *       ({@link #CLIP_KEY}) and, in {@link DpConfig.NoiseMode#DISTRIBUTED} mode, each client's
 *       noise std {@code zC / sqrt(n)} ({@link #NOISE_STD_KEY}) to every instruction. Before that
 *       it checks the epsilon budget: if composing this round would exceed it, it throws {@link
 *       PrivacyBudgetExceededException} carrying the last state (see below).
 *   <li>Clients clip their update {@code Delta_i = theta_i - theta} to norm C ({@link
 *       ClippingClient}) and, in distributed mode, add their noise share ({@link
 *       DistributedNoiseClient}).
 *   <li>{@link #aggregate}: in central mode the server re-clips every update to C (a client that
 *       did not clip, e.g. a malicious one, still moves the sum by at most C), sums them, adds
 *       {@code N(0, (zC)^2)} per coordinate, and divides by n, the number of <em>sampled</em>
 *       clients (survivors and failures): {@code theta' = theta + (sum_i clip(Delta_i) + N) / n}.
 *       The result is handed to the inner strategy as a single reply, so its aggregation (FedAvg's
 *       weighted average of one set is the set itself) yields {@code theta'}.
 * </ol>
 *
 * <p><b>Equal weights.</b> Updates are averaged with equal weights, not by sample counts: a weight
 * {@code n_i / sum n_j} would let one client's (private, unbounded) example count scale its
 * influence, so the L2 sensitivity of the weighted sum would not be bounded by C. With equal
 * weights and a fixed denominator (the sample size, not the random number of survivors), adding or
 * removing one client changes the average by at most {@code C / n}, which the noise of std {@code
 * zC / n} covers: the sampled Gaussian mechanism with multiplier z, accounted by {@link
 * RdpAccountant} (which assumes Poisson sampling at rate q; the server's fixed-size sample is the
 * usual approximation).
 *
 * <p><b>Distributed mode.</b> The server neither re-clips nor adds noise (it would change the
 * clients' noise; under secure aggregation it only sees the sum). Dropped clients' noise shares are
 * missing, so the realized noise std is {@code zC sqrt(survivors / n)}.
 *
 * <p><b>Adaptive clipping</b> ({@link DpConfig#adaptive()}): clients report {@link
 * #UNCLIPPED_METRIC} (required from every reply); after each round the clip moves geometrically
 * towards the target quantile ({@link AdaptiveClipping}), and the update noise multiplier is raised
 * to {@link AdaptiveClipping#updateNoiseMultiplier} so that sum and count together compose to z.
 *
 * <p><b>Budget stop.</b> The least intrusive stop with the existing {@code FederatedServer} is a
 * strategy-level check: {@code FederatedServer.run} calls {@link #configureRound} first in every
 * round, so the exception ends the run before any client trains in the refused round; it carries
 * {@link PrivacyBudgetExceededException#lastState()} (and the checkpoint of the last round is
 * already saved). Set {@code ServerConfig.rounds} as an upper bound.
 *
 * <p>This strategy is stateful (accountant, clip, history) and draws noise: a run is reproducible
 * only with a deterministic {@link RandomSource} (tests), and a resumed run starts a fresh
 * accountant unless the same instance is reused.
 */
public final class DpFedAvg implements Strategy {
  /** Instruction config key: the clip norm for this round. */
  public static final String CLIP_KEY = "dp_clip";

  /** Instruction config key: the std of each client's noise share (0 in central mode). */
  public static final String NOISE_STD_KEY = "dp_noise_std";

  /** Reply metric: 1 if the client's update was within the clip, else 0. */
  public static final String UNCLIPPED_METRIC = "dp_unclipped";

  /** Client id of the single aggregated reply handed to the inner strategy. */
  public static final String AGGREGATE_ID = "dp-fedavg-aggregate";

  private static final Logger LOG = LoggerFactory.getLogger(DpFedAvg.class);
  private static final String STATE_FORMAT = "persona4j-dp-fedavg-state";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Strategy inner;
  private final DpConfig config;
  private final RandomSource random;
  private final AdaptiveClipping adaptive;
  private final double updateMultiplier;
  private final RdpAccountant accountant = new RdpAccountant();
  private final List<RoundPrivacy> history = new ArrayList<>();

  /**
   * @param inner a global FedAvg-like strategy (its aggregation of one reply returns that reply's
   *     parameters)
   * @param config the DP settings
   * @param random source of the central noise and of the adaptive count noise ({@link
   *     RandomSource#secure()} in production)
   */
  public DpFedAvg(Strategy inner, DpConfig config, RandomSource random) {
    this.inner = inner;
    this.config = config;
    this.random = random;
    if (config.adaptive() == null) {
      this.adaptive = null;
      this.updateMultiplier = config.noiseMultiplier();
    } else {
      DpConfig.AdaptiveClip a = config.adaptive();
      this.adaptive =
          new AdaptiveClipping(
              config.clipNorm(), a.targetQuantile(), a.learningRate(), a.countNoiseStd(), random);
      this.updateMultiplier =
          config.noiseMultiplier() == 0
              ? 0
              : AdaptiveClipping.updateNoiseMultiplier(config.noiseMultiplier(), a.countNoiseStd());
    }
  }

  /** The clip norm the next round uses. */
  public double clipNorm() {
    return adaptive == null ? config.clipNorm() : adaptive.clip();
  }

  /** The noise multiplier applied to the update sum (above z when clipping is adaptive). */
  public double updateNoiseMultiplier() {
    return updateMultiplier;
  }

  /** The epsilon spent by the aggregated rounds (0 before the first). */
  public double epsilon() {
    return history.isEmpty() ? 0 : accountant.epsilon(config.delta());
  }

  /** The accounting of every aggregated round, in order. */
  public List<RoundPrivacy> history() {
    return List.copyOf(history);
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    double q = samplingRate(sampled.size());
    if (config.epsilonBudget() != Double.POSITIVE_INFINITY) {
      double[] rdp = accountant.rdp();
      double[] add = RdpAccountant.rdp(q, config.noiseMultiplier(), 1, accountant.orders());
      for (int i = 0; i < rdp.length; i++) {
        rdp[i] += add[i];
      }
      double projected =
          RdpAccountant.privacySpent(
                  accountant.orders(), rdp, config.delta(), RdpAccountant.Conversion.BALLE_2020)
              .epsilon();
      if (projected > config.epsilonBudget()) {
        throw new PrivacyBudgetExceededException(
            round, epsilon(), projected, config.epsilonBudget(), config.delta(), state);
      }
    }
    double clip = clipNorm();
    double share =
        config.mode() == DpConfig.NoiseMode.DISTRIBUTED
            ? updateMultiplier * clip / Math.sqrt(sampled.size())
            : 0.0;
    List<Instruction> out = new ArrayList<>();
    for (Instruction in : inner.configureRound(round, state, sampled)) {
      Map<String, Object> c = new TreeMap<>(in.config());
      c.put(CLIP_KEY, clip);
      c.put(NOISE_STD_KEY, share);
      out.add(new Instruction(in.task(), in.round(), in.clientId(), in.parameters(), c));
    }
    return out;
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    int sampled = replies.size() + failures.size();
    double q = samplingRate(sampled);
    double clip = clipNorm();
    float[] global = state.global().flatten();
    double[] sum = new double[global.length];
    List<Reply> sorted = new ArrayList<>(replies);
    sorted.sort(Comparator.comparing(Reply::clientId));
    boolean central = config.mode() == DpConfig.NoiseMode.CENTRAL;
    int unclipped = 0;
    for (Reply r : sorted) {
      float[] update = r.parameters().flatten();
      for (int i = 0; i < update.length; i++) {
        update[i] -= global[i];
      }
      if (central) {
        double norm = Clipping.clipL2InPlace(update, clip);
        if (norm > clip * (1 + 1e-5)) {
          LOG.warn(
              "round {}: client '{}' sent an update of norm {} > clip {}; clipped on the server",
              round,
              r.clientId(),
              norm,
              clip);
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] += update[i];
      }
      Double bit = r.metrics().get(UNCLIPPED_METRIC);
      if (bit != null && bit >= 0.5) {
        unclipped++;
      }
    }
    double sumStd = central ? updateMultiplier * clip : 0.0;
    float[] next = new float[global.length];
    for (int i = 0; i < sum.length; i++) {
      double noisy = sumStd > 0 ? sum[i] + sumStd * random.nextGaussian() : sum[i];
      next[i] = (float) (global[i] + noisy / sampled);
    }
    if (adaptive != null) {
      adaptive.update(unclipped, sorted.size());
    }
    accountant.compose(q, config.noiseMultiplier(), 1);
    double eps = accountant.epsilon(config.delta());
    double realizedStd =
        central ? sumStd : updateMultiplier * clip * Math.sqrt(replies.size() / (double) sampled);
    history.add(
        new RoundPrivacy(
            round, q, config.noiseMultiplier(), clip, realizedStd, eps, config.delta()));
    LOG.info(
        "round {}: DP-FedAvg over {} of {} sampled (q={}), clip {}, noise std {} on the sum,"
            + " epsilon {} at delta {}",
        round,
        replies.size(),
        sampled,
        q,
        clip,
        realizedStd,
        eps,
        config.delta());
    Reply aggregate =
        new Reply(AGGREGATE_ID, round, state.global().withFlatValues(next), 1, Map.of(), null);
    return inner.aggregate(round, List.of(aggregate), failures, state);
  }

  @Override
  public Set<String> requiredMetrics() {
    Set<String> s = new HashSet<>(inner.requiredMetrics());
    if (adaptive != null) {
      s.add(UNCLIPPED_METRIC);
    }
    return Set.copyOf(s);
  }

  /**
   * The accounting history, the adaptive clip and the inner strategy's state as JSON, so that a
   * resumed run continues the accountant instead of restarting it at epsilon 0.
   */
  @Override
  public String checkpointState() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", STATE_FORMAT);
    root.put("version", 1);
    root.put("delta", config.delta());
    if (adaptive != null) {
      root.put("adaptive_clip", adaptive.clip());
    }
    ArrayNode rounds = root.putArray("rounds");
    for (RoundPrivacy p : history) {
      ObjectNode r = rounds.addObject();
      r.put("round", p.round());
      r.put("q", p.samplingRate());
      r.put("z", p.noiseMultiplier());
      r.put("clip", p.clipNorm());
      r.put("sum_noise_std", p.sumNoiseStd());
      r.put("epsilon", p.epsilon());
    }
    root.put("inner", inner.checkpointState());
    return root.toString();
  }

  /**
   * Restores {@link #checkpointState()}: re-composes the accountant round by round (so epsilon
   * continues exactly), the history and the adaptive clip. Only valid on a fresh instance.
   */
  @Override
  public void restoreState(String state) {
    if (!history.isEmpty()) {
      throw new IllegalStateException("restoreState on a DpFedAvg that already ran rounds");
    }
    JsonNode root;
    try {
      root = JSON.readTree(state);
    } catch (IOException e) {
      throw new IllegalArgumentException("DP-FedAvg checkpoint state is not JSON: " + e, e);
    }
    if (root == null
        || !STATE_FORMAT.equals(root.path("format").asText())
        || root.path("version").asInt(-1) != 1) {
      throw new IllegalArgumentException(
          "not a " + STATE_FORMAT + " version 1 state (is the checkpoint from a run without DP?)");
    }
    if (root.path("delta").asDouble() != config.delta()) {
      throw new IllegalArgumentException(
          "checkpoint delta "
              + root.path("delta")
              + " differs from the configured "
              + config.delta());
    }
    List<RoundPrivacy> restored = new ArrayList<>();
    for (JsonNode r : root.path("rounds")) {
      double q = finite(r, "q");
      double z = finite(r, "z");
      if (!(q > 0 && q <= 1) || z < 0) {
        throw new IllegalArgumentException("checkpoint round " + r + ": q or z out of range");
      }
      restored.add(
          new RoundPrivacy(
              r.path("round").asInt(),
              q,
              z,
              finite(r, "clip"),
              finite(r, "sum_noise_std"),
              finite(r, "epsilon"),
              config.delta()));
    }
    if (adaptive != null && root.has("adaptive_clip")) {
      adaptive.restoreClip(finite(root, "adaptive_clip"));
    }
    inner.restoreState(root.path("inner").asText(""));
    for (RoundPrivacy p : restored) {
      accountant.compose(p.samplingRate(), p.noiseMultiplier(), 1);
    }
    history.addAll(restored);
  }

  private static double finite(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw new IllegalArgumentException(
          "DP-FedAvg checkpoint state: field '" + field + "' must be a finite number, got " + v);
    }
    return v.asDouble();
  }

  private double samplingRate(int sampled) {
    if (sampled < 1 || sampled > config.population()) {
      throw new IllegalArgumentException(
          "sampled clients must be in [1, population=" + config.population() + "], got " + sampled);
    }
    return sampled / (double) config.population();
  }
}
