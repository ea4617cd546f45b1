/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.strategy;

import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FELLRec personalized aggregation (Zhao et al., arXiv 2402.09959). Each client starts a round from
 * its own parameters; after local training, over the clients that replied:
 *
 * <ol>
 *   <li>{@code s_ij = (cos(theta_i, theta_j) + 1) / 2} on the flattened parameters (cos = 0 when a
 *       vector is zero);
 *   <li>{@code l~ = softmax(l / temperature)} of the reported final losses;
 *   <li>{@code w_i = tanh(a / l~_i^(e + 1/b))}, {@code e = round - 1} the 0-based round index, as
 *       in the authors' code (jasonchen505/FELLRec, {@code RecFormer_FELLRec/finetune.py}: {@code
 *       for epoch in range(num_train_epochs)} ... {@code
 *       tanh(alpha/(loss_list[i]**(epoch+1/beta)))}, so the exponent is {@code e + 1/b} by Python
 *       precedence);
 *   <li>{@code s_ij <- w_i s_ij} for {@code j != i};
 *   <li>{@code theta_i <- sum_j s_ij theta_j / sum_j s_ij}, every new {@code theta_i} computed from
 *       the trained parameters of this round (never from already-updated ones).
 * </ol>
 *
 * Clients that were not sampled or failed keep their previous personal parameters.
 */
public final class FellRec implements Strategy {

  /**
   * FELLRec hyper-parameters and the ablation switches. Build with {@link #builder()} (every field
   * optional, defaults the paper's) or the canonical constructor.
   *
   * @param a heating numerator, {@code > 0} (paper 0.7)
   * @param b heating exponent divisor, {@code > 0} (paper 1 or 5)
   * @param temperature softmax temperature of the losses, {@code > 0} (paper 0.05)
   * @param heating curriculum heating on (the paper); off: {@code w_i = 1} for every client from
   *     round 1, so every client mixes in the others at full similarity weight at once ({@code a},
   *     {@code b}, {@code temperature} then have no effect)
   * @param similarity similarity weights on (the paper); off: {@code s_ij = 1} for all pairs before
   *     heating, so aggregation is uniform over the clients (with heating on, the off-diagonal
   *     weights are still scaled by {@code w_i})
   */
  public record Config(
      double a, double b, double temperature, boolean heating, boolean similarity) {
    /** Validates the fields. */
    public Config {
      if (!(a > 0) || Double.isInfinite(a)) {
        throw new IllegalArgumentException("a must be finite and > 0, got " + a);
      }
      if (!(b > 0) || Double.isInfinite(b)) {
        throw new IllegalArgumentException("b must be finite and > 0, got " + b);
      }
      if (!(temperature > 0) || Double.isInfinite(temperature)) {
        throw new IllegalArgumentException(
            "temperature must be finite and > 0, got " + temperature);
      }
    }

    /** The paper's method (heating and similarity weights on) with these hyper-parameters. */
    public Config(double a, double b, double temperature) {
      this(a, b, temperature, true, true);
    }

    /** The paper's defaults: a = 0.7, b = 1, temperature 0.05, heating and similarity on. */
    public static Config defaults() {
      return new Config(0.7, 1.0, 0.05);
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding this config's values (to change some of them). */
    public Builder toBuilder() {
      return builder()
          .optA(a)
          .optB(b)
          .optTemperature(temperature)
          .optHeating(heating)
          .optSimilarity(similarity);
    }

    /** Builds a {@link Config}: every field optional ({@code optX}), defaults the paper's. */
    public static final class Builder {
      private double a = 0.7;
      private double b = 1.0;
      private double temperature = 0.05;
      private boolean heating = true;
      private boolean similarity = true;

      private Builder() {}

      /** Heating numerator (default 0.7). */
      public Builder optA(double a) {
        this.a = a;
        return this;
      }

      /** Heating exponent divisor (default 1). */
      public Builder optB(double b) {
        this.b = b;
        return this;
      }

      /** Loss softmax temperature (default 0.05). */
      public Builder optTemperature(double temperature) {
        this.temperature = temperature;
        return this;
      }

      /** Curriculum heating on or off (default on). */
      public Builder optHeating(boolean heating) {
        this.heating = heating;
        return this;
      }

      /** Similarity weights on or off (default on; off: uniform). */
      public Builder optSimilarity(boolean similarity) {
        this.similarity = similarity;
        return this;
      }

      /** The validated config. */
      public Config build() {
        return new Config(a, b, temperature, heating, similarity);
      }
    }
  }

  private final Config config;
  private final Map<String, Object> clientConfig;

  /** FELLRec with the given hyper-parameters and client config. */
  public FellRec(Config config, Map<String, Object> clientConfig) {
    this.config = config;
    this.clientConfig = Map.copyOf(clientConfig);
  }

  /** FELLRec with the paper's defaults. */
  public FellRec() {
    this(Config.defaults(), Map.of());
  }

  @Override
  public List<Instruction> configureRound(int round, ServerState state, List<String> sampled) {
    List<Instruction> out = new ArrayList<>(sampled.size());
    for (String id : sampled) {
      out.add(Instruction.fit(round, id, state.parametersFor(id), clientConfig));
    }
    return out;
  }

  @Override
  public Set<String> requiredMetrics() {
    return Set.of(Reply.LOSS);
  }

  @Override
  public ServerState aggregate(
      int round, List<Reply> replies, List<Failure> failures, ServerState state) {
    List<Reply> sorted = new ArrayList<>(replies);
    sorted.sort(Comparator.comparing(Reply::clientId));
    int k = sorted.size();
    List<ParameterSet> thetas = new ArrayList<>(k);
    double[] losses = new double[k];
    for (int i = 0; i < k; i++) {
      thetas.add(sorted.get(i).parameters());
      Double loss = sorted.get(i).metrics().get(Reply.LOSS);
      if (loss == null) {
        throw new IllegalArgumentException(
            "reply of client '" + sorted.get(i).clientId() + "' has no '" + Reply.LOSS + "'");
      }
      losses[i] = loss;
    }
    double[][] s = similarityWeights(thetas, losses, round - 1, config);
    Map<String, ParameterSet> next = new HashMap<>(state.personalized());
    for (int i = 0; i < k; i++) {
      double rowSum = 0;
      for (double v : s[i]) {
        rowSum += v;
      }
      double[] w = new double[k];
      for (int j = 0; j < k; j++) {
        w[j] = s[i][j] / rowSum;
      }
      next.put(sorted.get(i).clientId(), ParameterSet.weightedSum(thetas, w));
    }
    return new ServerState(round, state.global(), next);
  }

  /**
   * The heated similarity matrix: {@code s_ij = (cos_ij + 1)/2} ({@code 1} when {@link
   * Config#similarity()} is off), off-diagonal entries of row i multiplied by {@link #heating
   * heating weight} {@code w_i}.
   */
  public static double[][] similarityWeights(
      List<ParameterSet> thetas, double[] losses, int e, Config config) {
    int k = thetas.size();
    if (losses.length != k) {
      throw new IllegalArgumentException("losses.length " + losses.length + " != clients " + k);
    }
    double[] norms = new double[k];
    for (int i = 0; i < k && config.similarity(); i++) {
      norms[i] = thetas.get(i).l2Norm();
    }
    double[] w = heating(losses, e, config);
    double[][] s = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        double sim = 1;
        if (config.similarity()) {
          double denom = norms[i] * norms[j];
          double cos = denom == 0 ? 0 : thetas.get(i).dot(thetas.get(j)) / denom;
          sim = (cos + 1) / 2;
        }
        s[i][j] = sim;
        s[j][i] = sim;
      }
    }
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        if (j != i) {
          s[i][j] *= w[i];
        }
      }
    }
    return s;
  }

  /**
   * Curriculum heating weights {@code w_i = tanh(a / l~_i^(e + 1/b))} with {@code l~ =
   * softmax(losses / temperature)}; all 1 when {@link Config#heating()} is off (the losses are
   * still checked).
   */
  public static double[] heating(double[] losses, int e, Config config) {
    if (e < 0) {
      throw new IllegalArgumentException("round index e must be >= 0, got " + e);
    }
    int k = losses.length;
    double max = Double.NEGATIVE_INFINITY;
    for (double l : losses) {
      if (!Double.isFinite(l)) {
        throw new IllegalArgumentException("loss must be finite, got " + l);
      }
      max = Math.max(max, l / config.temperature());
    }
    double[] p = new double[k];
    double z = 0;
    for (int i = 0; i < k; i++) {
      p[i] = Math.exp(losses[i] / config.temperature() - max);
      z += p[i];
    }
    double exponent = e + 1.0 / config.b();
    double[] w = new double[k];
    if (!config.heating()) {
      Arrays.fill(w, 1.0);
      return w;
    }
    for (int i = 0; i < k; i++) {
      double normalized = p[i] / z;
      w[i] = Math.tanh(config.a() / Math.pow(normalized, exponent));
    }
    return w;
  }
}
