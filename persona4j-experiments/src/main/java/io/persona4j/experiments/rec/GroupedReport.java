/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import io.persona4j.core.chart.BarChart;
import io.persona4j.core.chart.LineChart;
import io.persona4j.core.chart.Png;
import io.persona4j.experiments.common.PairedStats;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The grouped setting's report: per behaviour group and overall, each LLM method's HR@1 under the
 * four protocols (greedy constrained generation, beam search over the candidate trie, likelihood
 * ranking, free generation) as mean ± std over seeds; paired comparisons over test users (each
 * user's hit averaged over the seeds, bootstrap 95% CI of the per-user difference; McNemar per seed
 * on the hit/miss pairs); the linear gate's expert usage per group (mean gate, gate entropy,
 * adjusted Rand index of the top expert against the groups); and the validation checks of the
 * checkpoint selection. Also the chart.
 */
final class GroupedReport {
  /** Bootstrap resamples' seed (fixed: the intervals are reproducible). */
  static final long BOOTSTRAP_SEED = 17;

  private final RecExperiment.Report r;
  private final int[] group;
  private final Map<String, List<LlmRecRun.Outcome>> byMethod = new LinkedHashMap<>();

  GroupedReport(RecExperiment.Report r) {
    if (r.groups() == null || r.evalGroups() == null) {
      throw new IllegalArgumentException("the report has no behaviour groups");
    }
    this.r = r;
    this.group = r.evalGroups();
    for (LlmRecRun.Outcome o : r.outcomes()) {
      byMethod.computeIfAbsent(o.method(), k -> new ArrayList<>()).add(o);
    }
  }

  /** The protocols: name and the per-sample hits of one run. */
  static final Map<String, Function<LlmRecRun.Outcome, boolean[]>> PROTOCOLS =
      new LinkedHashMap<>();

  static {
    PROTOCOLS.put("constrained", LlmRecRun.Outcome::constrainedHits);
    PROTOCOLS.put("beam " + LlmRecRun.BEAM_WIDTH, LlmRecRun.Outcome::beamHits);
    PROTOCOLS.put("likelihood", LlmRecRun.Outcome::likelihoodHits);
    PROTOCOLS.put("free generation", LlmRecRun.Outcome::generationHits);
  }

  /** Hit rate of {@code hits} over the samples of group {@code g} (-1: all). */
  double rate(boolean[] hits, int g) {
    long n = 0;
    long h = 0;
    for (int i = 0; i < hits.length; i++) {
      if (g < 0 || group[i] == g) {
        n++;
        h += hits[i] ? 1 : 0;
      }
    }
    return n == 0 ? Double.NaN : (double) h / n;
  }

  /** Per sample of group {@code g} (-1: all), the hit averaged over the method's seeds. */
  double[] perUser(String method, Function<LlmRecRun.Outcome, boolean[]> protocol, int g) {
    List<LlmRecRun.Outcome> runs = byMethod.get(method);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < group.length; i++) {
      if (g < 0 || group[i] == g) {
        double s = 0;
        for (LlmRecRun.Outcome o : runs) {
          s += protocol.apply(o)[i] ? 1 : 0;
        }
        out.add(s / runs.size());
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  String markdown(Path chart) {
    StringBuilder b = new StringBuilder();
    BehaviourGroups gr = r.groups();
    b.append("\n#### Behaviour groups (genre-profile K-means, training data only)\n\n");
    b.append(
        "| group | users (all) | test users | top genres of the next items | TV to the other groups |\n");
    b.append("| --- | --- | --- | --- | --- |\n");
    for (int g = 0; g < gr.count(); g++) {
      int n = 0;
      for (int x : group) {
        n += x == g ? 1 : 0;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %d | %s | %.3f |%n",
              g,
              gr.sizes()[g],
              n,
              gr.topGenres(g, 3),
              gr.tv()[g]));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%nRandom groups of the same sizes (%d draws): TV mean %.3f, max %.3f; the groups'"
                + " next-item genre distributions %s.%n",
            BehaviourGroups.PERMUTATIONS,
            gr.randomTv(),
            gr.randomTvMax(),
            gr.differ()
                ? "differ (every group above the random maximum)"
                : "do not clearly differ"));

    b.append("\n#### HR@1 per group (mean ± std over seeds)\n\n");
    b.append("| method | protocol | all |");
    for (int g = 0; g < gr.count(); g++) {
      b.append(" group ").append(g).append(" |");
    }
    b.append("\n| --- | --- | --- |");
    b.append(" --- |".repeat(gr.count()));
    b.append('\n');
    for (Map.Entry<String, List<LlmRecRun.Outcome>> e : byMethod.entrySet()) {
      for (Map.Entry<String, Function<LlmRecRun.Outcome, boolean[]>> p : PROTOCOLS.entrySet()) {
        b.append("| ").append(e.getKey()).append(" | ").append(p.getKey()).append(" |");
        for (int g = -1; g < gr.count(); g++) {
          List<Double> xs = new ArrayList<>();
          for (LlmRecRun.Outcome o : e.getValue()) {
            xs.add(rate(p.getValue().apply(o), g));
          }
          b.append(' ').append(ResultsWriter.pm(xs)).append(" |");
        }
        b.append('\n');
      }
    }

    List<String> methods = new ArrayList<>(byMethod.keySet());
    b.append(
        "\n#### Paired differences over test users (per-user hit averaged over seeds; bootstrap"
            + " 95% CI, 10,000 resamples)\n\n");
    b.append("| comparison | protocol | all |");
    for (int g = 0; g < gr.count(); g++) {
      b.append(" group ").append(g).append(" |");
    }
    b.append(" McNemar per seed (only A / only B, exact p) |\n| --- | --- | --- |");
    b.append(" --- |".repeat(gr.count()));
    b.append(" --- |\n");
    for (int i = 0; i < methods.size(); i++) {
      for (int j = 0; j < methods.size(); j++) {
        if (i == j || !(j == 0 || (i == 1 && j == 2))) {
          continue; // every method vs the first (LoRA), and iLoRA vs the random gate
        }
        String a = methods.get(i);
        String c = methods.get(j);
        for (Map.Entry<String, Function<LlmRecRun.Outcome, boolean[]>> p : PROTOCOLS.entrySet()) {
          b.append("| ").append(a).append(" − ").append(c).append(" | ").append(p.getKey());
          b.append(" |");
          for (int g = -1; g < gr.count(); g++) {
            PairedStats.Interval ci =
                PairedStats.bootstrap95(
                    perUser(a, p.getValue(), g), perUser(c, p.getValue(), g), BOOTSTRAP_SEED);
            b.append(' ').append(ci.format()).append(ci.excludesZero() ? " *" : "").append(" |");
          }
          List<String> mc = new ArrayList<>();
          List<LlmRecRun.Outcome> ra = byMethod.get(a);
          List<LlmRecRun.Outcome> rc = byMethod.get(c);
          for (int s = 0; s < Math.min(ra.size(), rc.size()); s++) {
            PairedStats.McNemar m =
                PairedStats.mcNemar(p.getValue().apply(ra.get(s)), p.getValue().apply(rc.get(s)));
            mc.add(String.format(Locale.ROOT, "%d/%d p=%.3f", m.onlyA(), m.onlyB(), m.exactP()));
          }
          b.append(' ').append(String.join("; ", mc)).append(" |\n");
        }
      }
    }
    b.append("\n`*`: the interval excludes 0 (no correction for the number of comparisons).\n");

    b.append(
        "\n#### Expert usage of the linear gate (test users; expert indices are per seed)\n\n");
    b.append(
        "| method | seed | mean gate per group (experts 0..K-1) | gate entropy per group (nats;"
            + " uniform = ln K) | ARI(top expert, group) |\n");
    b.append("| --- | --- | --- | --- | --- |\n");
    for (Map.Entry<String, List<LlmRecRun.Outcome>> e : byMethod.entrySet()) {
      for (LlmRecRun.Outcome o : e.getValue()) {
        if (o.gates() == null) {
          continue;
        }
        float[][] gates = o.gates();
        int k = gates[0].length;
        List<String> means = new ArrayList<>();
        List<String> ents = new ArrayList<>();
        int[] top = new int[gates.length];
        for (int i = 0; i < gates.length; i++) {
          int best = 0;
          for (int x = 1; x < k; x++) {
            best = gates[i][x] > gates[i][best] ? x : best;
          }
          top[i] = best;
        }
        for (int g = 0; g < gr.count(); g++) {
          double[] mean = new double[k];
          double ent = 0;
          int n = 0;
          for (int i = 0; i < gates.length; i++) {
            if (group[i] != g) {
              continue;
            }
            n++;
            for (int x = 0; x < k; x++) {
              mean[x] += gates[i][x];
              ent -= gates[i][x] > 0 ? gates[i][x] * Math.log(gates[i][x]) : 0;
            }
          }
          StringBuilder m = new StringBuilder("g").append(g).append(" [");
          for (int x = 0; x < k; x++) {
            m.append(
                String.format(Locale.ROOT, x == 0 ? "%.2f" : " %.2f", mean[x] / Math.max(1, n)));
          }
          means.add(m.append(']').toString());
          ents.add(String.format(Locale.ROOT, "g%d %.3f", g, ent / Math.max(1, n)));
        }
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %s | %s | %.3f |%n",
                e.getKey(),
                o.seed(),
                String.join("; ", means),
                String.join("; ", ents),
                PairedStats.adjustedRandIndex(top, group)));
      }
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%nln 4 = %.3f. The random gate draws a new gate per sequence;"
                + " LoRA (K = 1) has none.%n",
            Math.log(4)));

    b.append(
        "\n#### Checkpoint selection (validation HR x ValidRatio of free generation; ties by"
            + " constrained HR@1, then the later step; all checks at 0: the final weights)\n\n");
    b.append(
        "| method | seed | step: validation HR x ValidRatio / constrained HR@1 | selected |\n");
    b.append("| --- | --- | --- | --- |\n");
    for (LlmRecRun.Outcome o : r.outcomes()) {
      List<String> cs = new ArrayList<>();
      for (CheckpointSelector.Check c : o.checks()) {
        cs.add(
            String.format(
                Locale.ROOT, "%d: %.4f / %.4f", c.step(), c.score(), c.constrained().hitRatio()));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %d |%n",
              o.method(),
              o.seed(),
              String.join("; ", cs),
              o.selectedStep()));
    }
    b.append("\n![HR@1 per group](").append(chart.toString().replace('\\', '/')).append(")\n");
    return b.toString();
  }

  /** Per-group constrained and likelihood HR@1 bars, and the validation curves. */
  void chart(Path file) throws IOException {
    BehaviourGroups gr = r.groups();
    List<BarChart.Bar> bars = new ArrayList<>();
    for (int g = -1; g < gr.count(); g++) {
      for (Map.Entry<String, List<LlmRecRun.Outcome>> e : byMethod.entrySet()) {
        List<Double> xs = new ArrayList<>();
        for (LlmRecRun.Outcome o : e.getValue()) {
          xs.add(rate(o.constrainedHits(), g));
        }
        bars.add(
            new BarChart.Bar(
                (g < 0 ? "all" : "g" + g) + " " + shortName(e.getKey()),
                MethodResult.mean(xs),
                MethodResult.std(xs)));
      }
    }
    BufferedImage left =
        BarChart.render(
            "Constrained HR@1 per behaviour group (" + r.preset().name() + ")",
            "HitRatio@1",
            bars,
            Math.max(640, 46 * bars.size() + 160),
            480);
    List<LineChart.Series> series = new ArrayList<>();
    for (LlmRecRun.Outcome o : r.outcomes()) {
      List<CheckpointSelector.Check> cs = o.checks();
      double[] x = new double[cs.size()];
      double[] y = new double[cs.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = cs.get(i).step();
        y[i] = cs.get(i).constrained().hitRatio();
      }
      series.add(new LineChart.Series(shortName(o.method()) + " s" + o.seed(), null, x, y, true));
    }
    BufferedImage right =
        LineChart.render("Validation constrained HR@1", "step", "HitRatio@1", series, 520, 480);
    Png.write(file, Png.sideBySide(left, right));
  }

  static String shortName(String method) {
    return method
        .replace("LLaRA-LoRA (K=1)", "LoRA")
        .replace("iLoRA K=4, random gate", "random")
        .replace("iLoRA K=4", "iLoRA");
  }
}
