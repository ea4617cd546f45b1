/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import io.persona4j.core.chart.BarChart;
import io.persona4j.experiments.common.PairedStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The SecFPP experiment's per-domain tables, paired comparisons and plots. Units of a paired
 * comparison are (seed, client) pairs for per-client accuracy (bootstrap 95% CI of the mean
 * difference) and (seed, client, test example) triples for McNemar's test; both methods of a pair
 * saw the same clients and test examples (the data of a seed is drawn once for every method).
 */
public final class SecFppReport {
  /** The methods every other is compared with. */
  static final List<String> REFERENCES = List.of("SECFPP", "SECFPP_DATA");

  private SecFppReport() {}

  /** Domain names of the two-domain setting, by domain id. */
  static String domainName(int d) {
    return d == 0 ? "reviews" : d == 1 ? "movielens" : "domain " + d;
  }

  /** The per-domain table and paired comparisons of every setting, as Markdown. */
  public static String markdown(List<RunResult> results) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<RunResult>> s : bySetting(results).entrySet()) {
      List<RunResult> rs = s.getValue();
      List<Integer> domainIds = domainIds(rs);
      sb.append("\n#### ").append(s.getKey()).append("\n\n");
      sb.append("| method |");
      for (int d : domainIds) {
        sb.append(' ').append(label(d)).append(" acc. |");
      }
      sb.append(
          " prompt drift | k per seed | ARI per seed | z cosine within / between domains per"
              + " seed |\n|---|");
      domainIds.forEach(d -> sb.append("---|"));
      sb.append("---|---|---|---|\n");
      for (Map.Entry<String, List<RunResult>> m : byMethod(rs).entrySet()) {
        sb.append("| ").append(m.getKey()).append(" |");
        for (int d : domainIds) {
          double[] acc = m.getValue().stream().mapToDouble(r -> accuracy(r, d)).toArray();
          double[] ms = PairedStats.meanStd(acc);
          sb.append(String.format(Locale.ROOT, " %.3f ± %.3f |", ms[0], ms[1]));
        }
        double[] drift = m.getValue().stream().mapToDouble(RunResult::promptDrift).toArray();
        double[] dms = PairedStats.meanStd(drift);
        sb.append(
            m.getKey().equals(MajorityBaseline.NAME)
                ? " – |"
                : String.format(Locale.ROOT, " %.3f ± %.3f |", dms[0], dms[1]));
        boolean sec = m.getValue().get(0).clusters() > 0;
        sb.append(' ')
            .append(
                sec
                    ? m.getValue().stream()
                        .map(r -> String.valueOf(r.clusters()))
                        .collect(Collectors.joining(", "))
                    : "–")
            .append(" | ")
            .append(
                sec && !m.getValue().get(0).domains().isEmpty()
                    ? m.getValue().stream()
                        .map(r -> String.format(Locale.ROOT, "%.2f", r.adjustedRand()))
                        .collect(Collectors.joining(", "))
                    : "–")
            .append(" | ")
            .append(
                sec && !Double.isNaN(m.getValue().get(0).withinDomainCosine())
                    ? m.getValue().stream()
                        .map(
                            r ->
                                String.format(
                                    Locale.ROOT,
                                    "%.2f / %.2f",
                                    r.withinDomainCosine(),
                                    r.betweenDomainCosine()))
                        .collect(Collectors.joining(", "))
                    : "–")
            .append(" |\n");
      }
      sb.append('\n').append(paired(rs, domainIds));
    }
    return sb.toString();
  }

  private static String paired(List<RunResult> rs, List<Integer> domainIds) {
    Map<String, List<RunResult>> methods = byMethod(rs);
    StringBuilder sb = new StringBuilder("| comparison |");
    for (int d : domainIds) {
      sb.append(' ')
          .append(label(d))
          .append(": per-client diff. [95% CI] |")
          .append(' ')
          .append(label(d))
          .append(": McNemar (first only / second only, p) |");
    }
    sb.append("\n|---|");
    domainIds.forEach(d -> sb.append("---|---|"));
    sb.append('\n');
    List<String[]> pairs = new ArrayList<>();
    for (String refName : REFERENCES) {
      if (methods.containsKey(refName)) {
        methods.keySet().stream()
            .filter(m -> !m.equals(refName))
            .forEach(m -> pairs.add(new String[] {refName, m}));
      }
    }
    if (methods.containsKey(MajorityBaseline.NAME)) {
      // every other method against the trivial baseline (the references' rows are above)
      methods.keySet().stream()
          .filter(m -> !m.equals(MajorityBaseline.NAME) && !REFERENCES.contains(m))
          .forEach(m -> pairs.add(new String[] {m, MajorityBaseline.NAME}));
    }
    for (String[] pair : pairs) {
      row(sb, pair[0], methods.get(pair[0]), pair[1], methods.get(pair[1]), domainIds);
    }
    return pairs.isEmpty() ? "" : sb.toString();
  }

  private static void row(
      StringBuilder sb,
      String refName,
      List<RunResult> ref,
      String otherName,
      List<RunResult> other,
      List<Integer> domainIds) {
    sb.append("| ").append(refName).append(" - ").append(otherName).append(" |");
    for (int d : domainIds) {
      List<Double> a = new ArrayList<>();
      List<Double> b = new ArrayList<>();
      List<Boolean> ha = new ArrayList<>();
      List<Boolean> hb = new ArrayList<>();
      for (RunResult x : ref) {
        RunResult y = sameSeed(other, x.seed());
        if (y == null) {
          continue;
        }
        for (int c = 0; c < x.clientAccuracies().size(); c++) {
          if (d >= 0 && x.domains().get(c) != d) {
            continue;
          }
          a.add(x.clientAccuracies().get(c));
          b.add(y.clientAccuracies().get(c));
          for (int e = 0; e < x.hits().get(c).length; e++) {
            ha.add(x.hits().get(c)[e]);
            hb.add(y.hits().get(c)[e]);
          }
        }
      }
      if (a.isEmpty()) {
        sb.append(" – | – |");
        continue;
      }
      PairedStats.Interval ci =
          PairedStats.bootstrap95(
              a.stream().mapToDouble(Double::doubleValue).toArray(),
              b.stream().mapToDouble(Double::doubleValue).toArray(),
              17);
      PairedStats.McNemar t = PairedStats.mcNemar(bools(ha), bools(hb));
      sb.append(' ')
          .append(ci.format())
          .append(String.format(Locale.ROOT, " (n=%d) |", ci.units()))
          .append(
              String.format(Locale.ROOT, " %d / %d, p=%.3g |", t.onlyA(), t.onlyB(), t.exactP()));
    }
    sb.append('\n');
  }

  /** One bar chart per setting: mean ± std over seeds of the accuracy per domain and method. */
  public static void plot(List<RunResult> results, Path out) throws IOException {
    for (Map.Entry<String, List<RunResult>> s : bySetting(results).entrySet()) {
      List<Integer> domainIds = domainIds(s.getValue());
      List<BarChart.Bar> bars = new ArrayList<>();
      for (int d : domainIds) {
        for (Map.Entry<String, List<RunResult>> m : byMethod(s.getValue()).entrySet()) {
          double[] ms =
              PairedStats.meanStd(m.getValue().stream().mapToDouble(r -> accuracy(r, d)).toArray());
          String name = domainIds.size() > 1 ? label(d) + " " + m.getKey() : m.getKey();
          bars.add(new BarChart.Bar(name, ms[0], ms[1]));
        }
      }
      BarChart.write(
          out.resolve("secfpp-" + s.getKey() + ".png"),
          "SecFPP, " + s.getKey() + ": test accuracy (mean ± std over seeds)",
          "accuracy",
          bars);
    }
  }

  /** -1 (all clients) and, where the setting has known domains, each domain. */
  private static List<Integer> domainIds(List<RunResult> rs) {
    List<Integer> ids = new ArrayList<>(List.of(-1));
    rs.get(0).domains().stream().distinct().sorted().forEach(ids::add);
    return ids;
  }

  private static String label(int d) {
    return d < 0 ? "all" : domainName(d);
  }

  /** Pooled accuracy of the clients of domain {@code d} (all clients for -1). */
  static double accuracy(RunResult r, int d) {
    long correct = 0;
    long total = 0;
    for (int c = 0; c < r.hits().size(); c++) {
      if (d >= 0 && r.domains().get(c) != d) {
        continue;
      }
      for (boolean h : r.hits().get(c)) {
        correct += h ? 1 : 0;
        total++;
      }
    }
    return (double) correct / total;
  }

  private static RunResult sameSeed(List<RunResult> rs, long seed) {
    return rs.stream().filter(r -> r.seed() == seed).findFirst().orElse(null);
  }

  private static boolean[] bools(List<Boolean> l) {
    boolean[] b = new boolean[l.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = l.get(i);
    }
    return b;
  }

  private static Map<String, List<RunResult>> bySetting(List<RunResult> results) {
    Map<String, List<RunResult>> by = new LinkedHashMap<>();
    results.forEach(r -> by.computeIfAbsent(r.setting(), k -> new ArrayList<>()).add(r));
    return by;
  }

  private static Map<String, List<RunResult>> byMethod(List<RunResult> rs) {
    Map<String, List<RunResult>> by = new LinkedHashMap<>();
    rs.forEach(r -> by.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r));
    return by;
  }
}
