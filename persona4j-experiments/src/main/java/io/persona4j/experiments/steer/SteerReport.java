/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.chart.BarChart;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.experiments.rec.ResultsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The experiment's numbers: per task, row and metric the mean over seeds of the per-seed means with
 * their standard deviation, paired bootstrap intervals of each row's difference to the cloud
 * without context (test points paired, values averaged over seeds), AdaCoSteer's steered share and
 * the top-k rows' agreement with full-precision steering; written as JSON, Markdown and bar charts.
 */
public final class SteerReport {
  /** Metrics shown per task, in order. */
  static final Map<String, List<String>> METRICS =
      Map.of(
          "movies", List.of("exact", "rougeL", "genreF1", "valid", "hr1", "hr1Token"),
          "reviews", List.of("achieved", "rougeL", "words"));

  /** Metrics with paired intervals against the baseline. */
  static final Map<String, List<String>> COMPARED =
      Map.of("movies", List.of("genreF1", "hr1Token"), "reviews", List.of("achieved", "rougeL"));

  static final Map<String, String> NAMES =
      Map.of(
          "exact", "exact title",
          "rougeL", "ROUGE-L",
          "genreF1", "genre F1 (grounded)",
          "valid", "valid title",
          "hr1", "HR@1 (likelihood)",
          "hr1Token", "HR@1 (likelihood per token)",
          "achieved", "attribute achieved",
          "words", "words");

  static final String BASELINE = "cloud";
  static final int RESAMPLES = 2000;

  /** Mean and std over seeds. */
  public record Stat(double mean, double std) {}

  private final SteerExperiment.Outcome outcome;
  private final Map<String, Map<String, Map<String, Stat>>> stats = new LinkedHashMap<>();
  private final Map<String, Map<String, Map<String, PairedBootstrap.Interval>>> intervals =
      new LinkedHashMap<>();
  private final Map<String, Map<String, Double>> steeredShare = new LinkedHashMap<>();
  private final Map<String, Map<String, Double>> identical = new LinkedHashMap<>();

  public SteerReport(SteerExperiment.Outcome outcome) {
    this.outcome = outcome;
    for (String task : List.of("movies", "reviews")) {
      Map<String, Map<String, Stat>> byRow = new LinkedHashMap<>();
      Map<String, Map<String, PairedBootstrap.Interval>> ci = new LinkedHashMap<>();
      Map<String, Double> share = new LinkedHashMap<>();
      Map<String, Double> same = new LinkedHashMap<>();
      for (Row row : outcome.rows()) {
        Map<String, Stat> m = new LinkedHashMap<>();
        for (String metric : METRICS.get(task)) {
          m.put(metric, stat(task, row.key(), metric));
        }
        byRow.put(row.key(), m);
        if (!row.key().equals(BASELINE)) {
          Map<String, PairedBootstrap.Interval> c = new LinkedHashMap<>();
          for (String metric : COMPARED.get(task)) {
            c.put(
                metric,
                PairedBootstrap.interval(
                    perExample(task, row.key(), metric),
                    perExample(task, BASELINE, metric),
                    RESAMPLES,
                    0.95,
                    7));
          }
          ci.put(row.key(), c);
        }
        if (row.steered()) {
          share.put(row.key(), meanSteered(task, row.key()));
          same.put(row.key(), identicalShare(task, row.key(), "closed_form"));
        }
      }
      stats.put(task, byRow);
      intervals.put(task, ci);
      steeredShare.put(task, share);
      identical.put(task, same);
    }
  }

  private List<ExampleResult> select(String task, String row) {
    return outcome.results().stream()
        .filter(r -> r.task().equals(task) && r.row().equals(row))
        .toList();
  }

  private Stat stat(String task, String row, String metric) {
    Map<Integer, double[]> bySeed = new TreeMap<>();
    for (ExampleResult r : select(task, row)) {
      double[] acc = bySeed.computeIfAbsent(r.seed(), s -> new double[2]);
      acc[0] += r.metrics().get(metric);
      acc[1]++;
    }
    double[] means = bySeed.values().stream().mapToDouble(a -> a[0] / a[1]).toArray();
    double mean = 0;
    for (double v : means) {
      mean += v;
    }
    mean /= means.length;
    double var = 0;
    for (double v : means) {
      var += (v - mean) * (v - mean);
    }
    return new Stat(mean, means.length > 1 ? Math.sqrt(var / (means.length - 1)) : 0);
  }

  /** Per test point, the metric averaged over seeds. */
  private double[] perExample(String task, String row, String metric) {
    Map<Integer, double[]> byExample = new TreeMap<>();
    for (ExampleResult r : select(task, row)) {
      double[] acc = byExample.computeIfAbsent(r.example(), s -> new double[2]);
      acc[0] += r.metrics().get(metric);
      acc[1]++;
    }
    return byExample.values().stream().mapToDouble(a -> a[0] / a[1]).toArray();
  }

  private double meanOf(String task, String row, String metric) {
    return select(task, row).stream()
        .mapToDouble(r -> r.metrics().getOrDefault(metric, 0.0))
        .average()
        .orElse(0);
  }

  private double meanSteered(String task, String row) {
    return select(task, row).stream().mapToDouble(ExampleResult::steeredShare).average().orElse(0);
  }

  /** Share of (seed, test point) whose answer has exactly the reference row's tokens. */
  private double identicalShare(String task, String row, String reference) {
    Map<String, long[]> ref = new LinkedHashMap<>();
    for (ExampleResult r : select(task, reference)) {
      ref.put(r.seed() + "/" + r.example(), r.tokens());
    }
    List<ExampleResult> mine = select(task, row);
    long same =
        mine.stream()
            .filter(r -> java.util.Arrays.equals(ref.get(r.seed() + "/" + r.example()), r.tokens()))
            .count();
    return mine.isEmpty() ? 0 : same / (double) mine.size();
  }

  /** Writes results.json, results.md and the two charts into {@code dir}; returns the Markdown. */
  public String write(Path dir, String command, String machine) throws IOException {
    Files.createDirectories(dir);
    writeJson(dir.resolve("results.json"), command, machine);
    String md = markdown(command, machine, "");
    Files.writeString(dir.resolve("results.md"), md);
    charts(dir);
    return md;
  }

  /** Updates the experiment's section of a results file, charts copied beside it. */
  public void writeSection(Path resultsFile, String command, String machine) throws IOException {
    Path docs = resultsFile.toAbsolutePath().normalize().getParent();
    String prefix = "steer-" + outcome.preset().name();
    Path movies = docs.resolve(prefix + "-movies.png");
    Path reviews = docs.resolve(prefix + "-reviews.png");
    chart("movies", "hr1Token", movies);
    chart("reviews", "achieved", reviews);
    ResultsWriter.replaceSection(
        resultsFile,
        "steer-experiment " + outcome.preset().name(),
        markdown(command, machine, prefix));
  }

  private void charts(Path dir) throws IOException {
    chart("movies", "hr1Token", dir.resolve("movies-hr1.png"));
    chart("reviews", "achieved", dir.resolve("reviews-achieved.png"));
  }

  private void chart(String task, String metric, Path file) throws IOException {
    List<BarChart.Bar> bars = new ArrayList<>();
    for (Row row : outcome.rows()) {
      Stat s = stats.get(task).get(row.key()).get(metric);
      bars.add(new BarChart.Bar(row.key(), s.mean(), s.std()));
    }
    BarChart.write(
        file,
        (task.equals("movies") ? "Task 1 (MovieLens): " : "Task 2 (reviews): ")
            + NAMES.get(metric)
            + ", mean +- std over "
            + outcome.preset().seeds()
            + " seeds",
        NAMES.get(metric),
        bars);
  }

  String markdown(String command, String machine, String chartPrefix) {
    SteerPreset p = outcome.preset();
    StringBuilder s = new StringBuilder();
    s.append("### CoSteer: preset `").append(p.name()).append("`\n\n");
    s.append("Command: `").append(command).append("`  \n");
    s.append(machine)
        .append(String.format(Locale.ROOT, "; wall time %.1f min.  \n", outcome.seconds() / 60));
    s.append(
        String.format(
            Locale.ROOT,
            "Models (pre-trained here per seed on %d documents, %,d tokens, one shared %d-id BPE"
                + " tokenizer): cloud Llama %d layers x %d (%s parameters, %d steps of %d),"
                + " device Llama %d layers x %d (%s parameters, %d steps of %d). Final training"
                + " loss: %s.  \n",
            outcome.corpusDocuments(),
            outcome.corpusTokens(),
            p.vocab(),
            p.cloud().layers(),
            p.cloud().hidden(),
            human(params("cloud")),
            p.cloud().steps(),
            p.cloud().batch(),
            p.device().layers(),
            p.device().hidden(),
            human(params("device")),
            p.device().steps(),
            p.device().batch(),
            losses()));
    s.append(
        String.format(
            Locale.ROOT,
            "Test points: %d MovieLens users (top-5 context by all-MiniLM-L6-v2 over %d embedded"
                + " items; %.2f items on average fit the models' %d positions), %d reviews (%d per preference; sentiment judge: naive Bayes,"
                + " test accuracy %.3f). Seeds 1..%d. Paired 95%% bootstrap intervals over test"
                + " points (%d resamples) against the cloud without context.%n%n",
            outcome.movieTests(),
            outcome.embeddedItems(),
            meanOf("movies", "cloud", "contextItems"),
            p.maxLen(),
            outcome.reviewTests(),
            p.reviewEvalPerPreference(),
            outcome.judgeAccuracy(),
            p.seeds(),
            RESAMPLES));
    for (String task : List.of("movies", "reviews")) {
      s.append(
          task.equals("movies")
              ? "**Task 1: MovieLens, next liked movie** (greedy title, up to "
                  + p.movieMaxTokens()
                  + " tokens; genre F1 of the catalog title closest to the answer by ROUGE-L;"
                  + " HR@1: the target ranked first among 20 candidates by the log-likelihood of"
                  + " its title + EOS under the row's policy, summed or per token)\n\n"
              : "**Task 2: Amazon reviews, style preference** (greedy review, up to "
                  + p.reviewMaxTokens()
                  + " tokens)\n\n");
      s.append("| row |");
      for (String metric : METRICS.get(task)) {
        s.append(' ').append(NAMES.get(metric)).append(" |");
      }
      for (String metric : COMPARED.get(task)) {
        s.append(" Δ ").append(NAMES.get(metric)).append(" vs cloud [95% CI] |");
      }
      s.append(" steered | same tokens as closed form |\n|---|");
      s.append("---|".repeat(METRICS.get(task).size() + COMPARED.get(task).size() + 2))
          .append('\n');
      for (Row row : outcome.rows()) {
        s.append("| ").append(row.label()).append(" |");
        for (String metric : METRICS.get(task)) {
          Stat st = stats.get(task).get(row.key()).get(metric);
          s.append(' ')
              .append(fmt(st.mean(), metric))
              .append(" ± ")
              .append(fmt(st.std(), metric))
              .append(" |");
        }
        for (String metric : COMPARED.get(task)) {
          PairedBootstrap.Interval ci =
              intervals.get(task).getOrDefault(row.key(), Map.of()).get(metric);
          s.append(' ')
              .append(
                  ci == null
                      ? "–"
                      : String.format(
                          Locale.ROOT,
                          "%+.3f [%+.3f, %+.3f]%s",
                          ci.mean(),
                          ci.low(),
                          ci.high(),
                          ci.excludesZero() ? " *" : ""))
              .append(" |");
        }
        Double share = steeredShare.get(task).get(row.key());
        Double same = identical.get(task).get(row.key());
        s.append(' ')
            .append(share == null ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * share))
            .append(" | ")
            .append(same == null ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * same))
            .append(" |\n");
      }
      s.append('\n');
      if (!chartPrefix.isEmpty()) {
        String metric = task.equals("movies") ? "hr1Token" : "achieved";
        s.append("![")
            .append(NAMES.get(metric))
            .append("](")
            .append(chartPrefix)
            .append('-')
            .append(task)
            .append(".png)\n\n");
      }
    }
    s.append(
        "`*`: the interval excludes 0. \"steered\": share of answer tokens the device steered"
            + " (AdaCoSteer switches off after 3 confident cloud tokens). \"same tokens as closed"
            + " form\": share of answers identical token for token to the closed-form row (the"
            + " iterative row must be 100%; the top-k rows measure what the truncated wire"
            + " changes).\n");
    return s.toString();
  }

  private long params(String role) {
    return outcome.models().stream()
        .filter(m -> m.role().equals(role))
        .mapToLong(SteerExperiment.ModelInfo::parameters)
        .findFirst()
        .orElse(0);
  }

  private String losses() {
    StringBuilder s = new StringBuilder();
    for (SteerExperiment.ModelInfo m : outcome.models()) {
      if (s.length() > 0) {
        s.append(", ");
      }
      s.append(String.format(Locale.ROOT, "%s/seed %d %.2f", m.role(), m.seed(), m.finalLoss()));
    }
    return s.toString();
  }

  private static String human(long n) {
    return n >= 1_000_000
        ? String.format(Locale.ROOT, "%.1fM", n / 1e6)
        : String.format(Locale.ROOT, "%.0fk", n / 1e3);
  }

  private static String fmt(double v, String metric) {
    return String.format(Locale.ROOT, metric.equals("words") ? "%.1f" : "%.3f", v);
  }

  private void writeJson(Path file, String command, String machine) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = FormatVersion.stamp(json.createObjectNode(), 1);
    root.put("command", command);
    root.put("machine", machine);
    root.put("seconds", outcome.seconds());
    root.set("preset", json.valueToTree(outcome.preset()));
    root.put("corpus_documents", outcome.corpusDocuments());
    root.put("corpus_tokens", outcome.corpusTokens());
    root.put("judge_accuracy", outcome.judgeAccuracy());
    root.set("models", json.valueToTree(outcome.models()));
    root.set("stats", json.valueToTree(stats));
    root.set("intervals_vs_cloud", json.valueToTree(intervals));
    root.set("steered_share", json.valueToTree(steeredShare));
    root.set("same_tokens_as_closed_form", json.valueToTree(identical));
    ArrayNode rows = root.putArray("rows");
    outcome.rows().forEach(r -> rows.add(json.valueToTree(r)));
    Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  public Map<String, Map<String, Map<String, Stat>>> stats() {
    return stats;
  }

  public Map<String, Map<String, Double>> identicalToClosedForm() {
    return identical;
  }

  public Map<String, Map<String, Double>> steeredShare() {
    return steeredShare;
  }
}
