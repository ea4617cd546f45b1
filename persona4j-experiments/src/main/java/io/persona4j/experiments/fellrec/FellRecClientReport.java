/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.core.chart.LineChart;
import io.persona4j.experiments.common.PairedStats;
import io.persona4j.rec.eval.RankingMetrics;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleBiFunction;

/**
 * Per-client results of a {@link FellRecExperiment.Report}: HR@1 and NDCG@10 per client (mean +-
 * std over seeds), paired comparisons of FELLRec against every other method per client (bootstrap
 * 95% CI of the mean per-user difference, McNemar's exact test on the hit/miss outcomes) and the
 * validation curves per client.
 *
 * <p>Paired units: the test users of a client. A user's difference is the mean over seeds of
 * (metric of FELLRec - metric of the other method), so that users, not (seed, user) pairs, are
 * resampled; McNemar counts the discordant (seed, user) outcomes.
 */
public final class FellRecClientReport {
  /** Seed of every bootstrap (fixed, so the tables are reproducible from results.json). */
  public static final long BOOTSTRAP_SEED = 17;

  /** One paired comparison on one client (or all clients: {@code client} "all"). */
  public record Paired(
      Method first,
      Method second,
      String client,
      PairedStats.Interval hr1,
      PairedStats.McNemar mcNemar,
      PairedStats.Interval ndcg10) {}

  private static final Color[] COLORS = {
    new Color(31, 119, 180),
    new Color(255, 127, 14),
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75),
    new Color(227, 119, 194),
    new Color(127, 127, 127),
    new Color(188, 189, 34)
  };

  private FellRecClientReport() {}

  /** HR@1 of one client under one method and seed (NaN without test samples). */
  static double hr1(FellRecExperiment.ClientOutcome o) {
    return mean(o, (x, i) -> x.hit1()[i] ? 1 : 0);
  }

  /** NDCG@10 of one client under one method and seed (NaN without test samples). */
  static double ndcg10(FellRecExperiment.ClientOutcome o) {
    return mean(o, (x, i) -> RankingMetrics.ndcg(x.ranks()[i], 10));
  }

  /** Recall@10 of one client under one method and seed (NaN without test samples). */
  static double recall10(FellRecExperiment.ClientOutcome o) {
    return mean(o, (x, i) -> RankingMetrics.hit(x.ranks()[i], 10));
  }

  private static double mean(
      FellRecExperiment.ClientOutcome o,
      ToDoubleBiFunction<FellRecExperiment.ClientOutcome, Integer> f) {
    int n = o.hit1().length;
    if (n == 0) {
      return Double.NaN;
    }
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += f.applyAsDouble(o, i);
    }
    return s / n;
  }

  /**
   * FELLRec against every other method of the report, per client and over all clients, then FELLRec
   * with the validated heating temperature against every method but FELLRec; empty when neither
   * ran.
   */
  public static List<Paired> paired(FellRecExperiment.Report r) {
    List<Paired> out = new ArrayList<>();
    for (Method first : List.of(Method.FELLREC, Method.FELLREC_TUNED_TEMPERATURE)) {
      FellRecExperiment.MethodResult ref = find(r, first);
      if (ref == null) {
        continue;
      }
      for (FellRecExperiment.MethodResult other : r.results()) {
        Method second = other.method();
        if (second == first
            || (first == Method.FELLREC_TUNED_TEMPERATURE && second == Method.FELLREC)) {
          continue;
        }
        List<String> clients = new ArrayList<>(r.clientIds());
        clients.add("all");
        for (String client : clients) {
          Paired p = compare(ref, other, client);
          if (p != null) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /** The paired comparison {@code a - b} on {@code client} ("all": every client's users). */
  static Paired compare(
      FellRecExperiment.MethodResult a, FellRecExperiment.MethodResult b, String client) {
    int seeds = Math.min(a.clients().size(), b.clients().size());
    List<Double> hitA = new ArrayList<>();
    List<Double> hitB = new ArrayList<>();
    List<Double> ndcgA = new ArrayList<>();
    List<Double> ndcgB = new ArrayList<>();
    List<Boolean> pooledA = new ArrayList<>();
    List<Boolean> pooledB = new ArrayList<>();
    List<FellRecExperiment.ClientOutcome> first = a.clients().get(0);
    for (int c = 0; c < first.size(); c++) {
      if (!client.equals("all") && !first.get(c).client().equals(client)) {
        continue;
      }
      int n = first.get(c).hit1().length;
      for (int i = 0; i < n; i++) {
        double ha = 0;
        double hb = 0;
        double na = 0;
        double nb = 0;
        for (int s = 0; s < seeds; s++) {
          FellRecExperiment.ClientOutcome oa = a.clients().get(s).get(c);
          FellRecExperiment.ClientOutcome ob = b.clients().get(s).get(c);
          if (oa.hit1().length != n || ob.hit1().length != n) {
            throw new IllegalStateException(
                "client " + oa.client() + ": methods were evaluated on different samples");
          }
          ha += oa.hit1()[i] ? 1 : 0;
          hb += ob.hit1()[i] ? 1 : 0;
          na += RankingMetrics.ndcg(oa.ranks()[i], 10);
          nb += RankingMetrics.ndcg(ob.ranks()[i], 10);
          pooledA.add(oa.hit1()[i]);
          pooledB.add(ob.hit1()[i]);
        }
        hitA.add(ha / seeds);
        hitB.add(hb / seeds);
        ndcgA.add(na / seeds);
        ndcgB.add(nb / seeds);
      }
    }
    if (hitA.isEmpty()) {
      return null;
    }
    boolean[] pa = new boolean[pooledA.size()];
    boolean[] pb = new boolean[pooledB.size()];
    for (int i = 0; i < pa.length; i++) {
      pa[i] = pooledA.get(i);
      pb[i] = pooledB.get(i);
    }
    return new Paired(
        a.method(),
        b.method(),
        client,
        PairedStats.bootstrap95(array(hitA), array(hitB), BOOTSTRAP_SEED),
        PairedStats.mcNemar(pa, pb),
        PairedStats.bootstrap95(array(ndcgA), array(ndcgB), BOOTSTRAP_SEED));
  }

  private static double[] array(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static FellRecExperiment.MethodResult find(FellRecExperiment.Report r, Method m) {
    return r.results().stream().filter(x -> x.method() == m).findFirst().orElse(null);
  }

  /** Per client, per seed values of {@code metric} for method result {@code m}. */
  static double[][] perClient(
      FellRecExperiment.MethodResult m,
      java.util.function.ToDoubleFunction<FellRecExperiment.ClientOutcome> metric) {
    int clients = m.clients().get(0).size();
    double[][] out = new double[clients][m.clients().size()];
    for (int s = 0; s < m.clients().size(); s++) {
      for (int c = 0; c < clients; c++) {
        out[c][s] = metric.applyAsDouble(m.clients().get(s).get(c));
      }
    }
    return out;
  }

  /** The per-client tables and the paired comparisons as markdown. */
  public static String markdown(FellRecExperiment.Report r) {
    if (r.results().isEmpty() || r.clientIds().isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    if (r.tasteCheck() != null) {
      b.append("\nClients (K-means on genre profiles of the users' training items");
      if (r.noisyClient() != null) {
        b.append("; ")
            .append(r.noisyClient())
            .append(" holds randomly chosen users whose training targets were replaced by random")
            .append(" items");
      }
      b.append("); genre check on the next items (validation + test) that the grouping did not")
          .append(" see:\n\n");
      for (String line : r.tasteCheck().describe().strip().split("\n")) {
        b.append("- ").append(line).append('\n');
      }
    }
    for (Method m : List.of(Method.FELLREC, Method.FELLREC_TUNED_TEMPERATURE)) {
      FellRecExperiment.MethodResult fellrec = find(r, m);
      if (fellrec != null && !fellrec.trainLossPerClient().isEmpty()) {
        b.append(heatingLines(r, fellrec));
      }
    }
    for (String[] metric :
        new String[][] {{"HR@1 (20 candidates)", "hr1"}, {"NDCG@10 (full ranking)", "ndcg"}}) {
      b.append("\n")
          .append(metric[0])
          .append(" per client, mean +- std over seeds (test users per client: ")
          .append(testUsers(r))
          .append("):\n\n| method |");
      for (String c : r.clientIds()) {
        b.append(' ').append(c).append(c.equals(r.noisyClient()) ? " (noisy)" : "").append(" |");
      }
      b.append(" rounds evaluated |\n|---|");
      b.append("---|".repeat(r.clientIds().size() + 1)).append('\n');
      for (FellRecExperiment.MethodResult m : r.results()) {
        double[][] v =
            perClient(
                m,
                metric[1].equals("hr1") ? FellRecClientReport::hr1 : FellRecClientReport::ndcg10);
        b.append("| ").append(m.method().label()).append(" |");
        for (double[] perSeed : v) {
          double[] ms = PairedStats.meanStd(perSeed);
          b.append(String.format(Locale.ROOT, " %.3f +- %.3f |", ms[0], ms[1]));
        }
        b.append(' ').append(m.selectedRound()).append(" |\n");
      }
    }
    List<Paired> paired = paired(r);
    if (!paired.isEmpty()) {
      b.append(
          "\nPaired comparisons, FELLRec (or FELLRec with the validated temperature) - other"
              + " method: HR@1 difference per test user (mean over seeds) with a bootstrap 95% CI"
              + " over the client's users, and McNemar's exact test on the (seed, user) hit/miss"
              + " outcomes (first only / other only, p):\n\n");
      b.append("| first - second |");
      for (String c : r.clientIds()) {
        b.append(' ').append(c).append(" |");
      }
      b.append(" all | all: NDCG@10 diff. |\n|---|")
          .append("---|".repeat(r.clientIds().size() + 2))
          .append('\n');
      Paired current = null;
      for (Paired p : paired) {
        if (current == null || p.second() != current.second() || p.first() != current.first()) {
          if (current != null) {
            b.append('\n');
          }
          current = p;
          b.append("| ")
              .append(p.first().label())
              .append(" - ")
              .append(p.second().label())
              .append(" |");
        }
        b.append(' ')
            .append(p.hr1().format())
            .append(
                String.format(
                    Locale.ROOT,
                    "<br>%d / %d, p=%.3g",
                    p.mcNemar().onlyA(),
                    p.mcNemar().onlyB(),
                    p.mcNemar().exactP()))
            .append(" |");
        if (p.client().equals("all")) {
          b.append(' ').append(p.ndcg10().format()).append(" |");
        }
      }
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * The training losses FELLRec's clients reported (mean over seeds) in the first and last round
   * and the heating weights {@code w_i} the strategy computed from them (per seed, averaged).
   */
  static String heatingLines(FellRecExperiment.Report r, FellRecExperiment.MethodResult m) {
    StringBuilder b = new StringBuilder();
    int rounds = m.trainLossPerClient().get(0).length;
    if (rounds == 0) {
      return "";
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%n%s (temperature %s): curriculum heating, the final local training loss each client"
                + " reported and its heating weight w_i (mean over seeds):%n%n| round |",
            m.method().label(),
            m.method().fellrecConfig(r.preset()).temperature()));
    for (String c : r.clientIds()) {
      b.append(' ').append(c).append(c.equals(r.noisyClient()) ? " (noisy)" : "").append(" |");
    }
    b.append("\n|---|").append("---|".repeat(r.clientIds().size())).append('\n');
    for (int t : rounds == 1 ? new int[] {0} : new int[] {0, 1, rounds - 1}) {
      double[] loss = new double[r.clientIds().size()];
      double[] w = new double[loss.length];
      for (double[][] perSeed : m.trainLossPerClient()) {
        double[] heat =
            io.persona4j.federated.strategy.FellRec.heating(
                perSeed[t], t, m.method().fellrecConfig(r.preset()));
        for (int c = 0; c < loss.length; c++) {
          loss[c] += perSeed[t][c] / m.trainLossPerClient().size();
          w[c] += heat[c] / m.trainLossPerClient().size();
        }
      }
      b.append("| ").append(t + 1).append(" |");
      for (int c = 0; c < loss.length; c++) {
        b.append(String.format(Locale.ROOT, " loss %.3f, w %.3f |", loss[c], w[c]));
      }
      b.append('\n');
    }
    if (!m.similarityRange().isEmpty() && m.similarityRange().get(0).length == rounds) {
      b.append(
          "\nSimilarity (cos + 1) / 2 between two clients' trained (shared) parameters, smallest"
              + " and largest pair per round (mean over seeds):");
      for (int t = 0; t < rounds; t++) {
        double lo = 0;
        double hi = 0;
        for (double[][] perSeed : m.similarityRange()) {
          lo += perSeed[t][0] / m.similarityRange().size();
          hi += perSeed[t][1] / m.similarityRange().size();
        }
        b.append(
            String.format(
                Locale.ROOT, " round %d %.4f-%.4f%s", t + 1, lo, hi, t + 1 < rounds ? ";" : ".\n"));
      }
    }
    return b.toString();
  }

  private static String testUsers(FellRecExperiment.Report r) {
    List<String> s = new ArrayList<>();
    for (FellRecExperiment.ClientOutcome o : r.results().get(0).clients().get(0)) {
      s.add(Integer.toString(o.hit1().length));
    }
    return String.join(", ", s);
  }

  /**
   * Writes the validation loss per round of client {@code client} (with its own adapter, mean over
   * seeds), one line per method.
   */
  public static void writeClientCurves(FellRecExperiment.Report r, String client, Path file)
      throws IOException {
    int c = r.clientIds().indexOf(client);
    if (c < 0) {
      throw new IllegalArgumentException("no client " + client + " in " + r.clientIds());
    }
    List<LineChart.Series> series = new ArrayList<>();
    int i = 0;
    for (FellRecExperiment.MethodResult m : r.results()) {
      List<double[][]> perSeed = m.validLossPerClient();
      int rounds = perSeed.get(0).length;
      double[] y = new double[rounds];
      double[] x = new double[rounds];
      for (int t = 0; t < rounds; t++) {
        x[t] = t + 1;
        for (double[][] s : perSeed) {
          y[t] += s[t][c] / perSeed.size();
        }
      }
      series.add(new LineChart.Series(m.method().label(), COLORS[i++ % COLORS.length], x, y, true));
    }
    LineChart.write(
        file,
        "Validation loss of " + client + " per round (" + r.preset().name() + ")",
        "round",
        "validation loss (per token)",
        series,
        960,
        540);
  }

  /** The color of the {@code i}-th method in charts. */
  static Color color(int i) {
    return COLORS[i % COLORS.length];
  }
}
