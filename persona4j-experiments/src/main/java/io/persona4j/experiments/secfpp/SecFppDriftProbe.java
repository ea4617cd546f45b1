/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.prompt.SoftPromptConfig;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.secfpp.SecFppClientApp;
import io.persona4j.federated.secfpp.SecFppClientConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Why SecFPP's warm-up drift does or does not carry the clients' domains: a simulation-side
 * measurement (it reads every client's drift, which the protocol never does; no test data is used).
 * On the two-domain clients of one seed, each client warms up {@code warmupSteps} local steps from
 * the common initial prompt as SecFPP's clients do, and the probe reports the mean cosine
 * similarity of the full domain-prompt moves {@code P_G - P_G0} (and of their 8-d normalized
 * projections, what the clustering sees) over pairs of clients of the same domain and of different
 * domains, under three conditions:
 *
 * <ul>
 *   <li>{@code shipped}: every client's head and data order from its own seed (as in the
 *       experiment);
 *   <li>{@code shared-seed}: every client's head initialized identically and the same data-order
 *       seed (one seed for all);
 *   <li>{@code reseeded}: the shipped clients again with other seeds; reported is the mean cosine
 *       of each client's move with its own move of the shipped condition (same data, another head
 *       and order): near 1 if the client's data fixes the direction, near 0 if the seed does.
 * </ul>
 *
 * <p>For reference the same cosines of the clients' mean frozen-encoder embeddings (the {@code
 * SECFPP_DATA} signal) are reported.
 */
public final class SecFppDriftProbe {
  /**
   * One condition's cosines.
   *
   * @param condition {@code shipped}, {@code shared-seed}, {@code reseeded} or {@code
   *     data-embedding}
   * @param withinDomain mean cosine over same-domain pairs (full vectors)
   * @param betweenDomains mean cosine over cross-domain pairs (full vectors)
   * @param withinDomainProjected the same of the 8-d normalized projections
   * @param betweenDomainsProjected the same of the 8-d normalized projections
   * @param selfAcrossSeeds {@code reseeded} only: mean over clients of the cosine of its move with
   *     its shipped move (NaN otherwise)
   */
  public record Row(
      String condition,
      double withinDomain,
      double betweenDomains,
      double withinDomainProjected,
      double betweenDomainsProjected,
      double selfAcrossSeeds) {}

  private final SecFppPreset preset;
  private final BertModel encoder;
  private final TextEncoder textEncoder;
  private final NDManager manager;

  public SecFppDriftProbe(
      SecFppPreset preset, BertModel encoder, TextEncoder textEncoder, NDManager manager) {
    this.preset = Objects.requireNonNull(preset, "preset");
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
    this.manager = Objects.requireNonNull(manager, "manager");
  }

  /** The four rows for {@code seed}'s two-domain clients. */
  public List<Row> run(Path reviews, Path movielens, long seed) throws Exception {
    List<ClientData> clients = SecFppDatasets.domains(reviews, movielens, preset, seed);
    List<Integer> domains = new ArrayList<>();
    List<List<Example>> train = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      domains.add(SecFppDatasets.domainOf(i, preset));
      ClientData c = clients.get(i);
      train.add(SecFppRunner.examples(c.trainTexts(), c.trainLabels(), textEncoder));
    }
    Moves shipped = moves(train, seed, i -> seed * 1000 + i, false);
    Moves shared = moves(train, seed, i -> seed * 1000, false);
    Moves reseeded = moves(train, seed, i -> seed * 1000 + 500 + i, false);
    Moves data = moves(train, seed, i -> seed * 1000 + i, true);
    List<Row> rows = new ArrayList<>();
    rows.add(row("shipped", shipped, domains, Double.NaN));
    rows.add(row("shared-seed", shared, domains, Double.NaN));
    double self = 0;
    for (int i = 0; i < train.size(); i++) {
      self += DomainCosines.cosine(shipped.full.get(i), reseeded.full.get(i));
    }
    rows.add(row("reseeded", reseeded, domains, self / train.size()));
    rows.add(row("data-embedding", data, domains, Double.NaN));
    return rows;
  }

  private record Moves(List<double[]> full, List<double[]> projected) {}

  private interface ClientSeed {
    long of(int client);
  }

  private Moves moves(List<List<Example>> train, long seed, ClientSeed seeds, boolean data)
      throws Exception {
    SoftPromptConfig pc = SecFppRunner.promptConfig(preset, encoder);
    List<double[]> full = new ArrayList<>();
    List<double[]> projected = new ArrayList<>();
    for (int i = 0; i < train.size(); i++) {
      SecFppClientConfig cc =
          SecFppRunner.clientConfig(
              preset,
              encoder,
              seed,
              seeds.of(i),
              true,
              data
                  ? SecFppClientConfig.ClusterSignal.DATA_EMBEDDING
                  : SecFppClientConfig.ClusterSignal.PROMPT_DRIFT);
      try (SecFppClientApp app =
          new SecFppClientApp(encoder, pc, seed, 2, train.get(i), List.of(), cc, manager)) {
        projected.add(app.domainVector());
        full.add(data ? app.domainVector() : move(app));
      }
    }
    return new Moves(full, projected);
  }

  private static double[] move(SecFppClientApp app) {
    float[] g = app.prompt().globalValues();
    float[] g0 = app.initialPromptValues();
    double[] d = new double[g.length];
    for (int i = 0; i < g.length; i++) {
      d[i] = g[i] - g0[i];
    }
    return d;
  }

  private static Row row(String name, Moves m, List<Integer> domains, double self) {
    double[] f = DomainCosines.of(m.full(), domains);
    double[] p = DomainCosines.of(m.projected(), domains);
    return new Row(name, f[0], f[1], p[0], p[1], self);
  }

  /** The rows as a Markdown table. */
  public static String markdown(List<Row> rows) {
    StringBuilder sb =
        new StringBuilder(
            "| condition | cos within domain | cos between domains | projected: within |"
                + " projected: between | same client, other seed |\n|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %.3f | %.3f | %.3f | %s |%n",
              r.condition(),
              r.withinDomain(),
              r.betweenDomains(),
              r.withinDomainProjected(),
              r.betweenDomainsProjected(),
              Double.isNaN(r.selfAcrossSeeds())
                  ? "–"
                  : String.format(Locale.ROOT, "%.3f", r.selfAcrossSeeds())));
    }
    return sb.toString();
  }
}
