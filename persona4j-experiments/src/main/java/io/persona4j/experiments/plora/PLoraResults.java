/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.persona4j.core.chart.LineChart;
import io.persona4j.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything a PLoRA experiment measured: per run (task, method, seed, group, K) the scores and
 * time, the learning rates chosen and the selection runs, and paired bootstrap comparisons of PLoRA
 * with task LoRA over users. Written as {@code results.json}, a markdown report {@code results.md}
 * and the few-shot curve {@code fewshot.png}.
 */
public final class PLoraResults {
  /**
   * One scored run.
   *
   * @param group "a" (trained users, test rows) or "b" (new users, test rows)
   * @param shots 0 for trained users and zero-shot, else the few-shot K
   * @param seconds training seconds (group "a" rows), or few-shot fitting seconds per user
   */
  public record Run(
      int classes,
      String method,
      long seed,
      String group,
      int shots,
      double lr,
      double accuracy,
      double rmse,
      double macroF1,
      int rows,
      int users,
      double seconds) {
    String summary() {
      return String.format(
          Locale.ROOT, "acc %.4f rmse %.4f f1 %.4f (%d rows)", accuracy, rmse, macroF1, rows);
    }
  }

  /** A paired comparison of PLoRA with task LoRA: the difference and its 95% bootstrap CI. */
  public record Comparison(
      int classes,
      String setting,
      String metric,
      double difference,
      double low,
      double high,
      int users) {}

  /** A learning-rate selection run. */
  public record Selection(
      String method, double lr, double tableLrMultiplier, int steps, double validationAccuracy) {}

  private final PLoraPreset preset;
  private final String model;
  private final Set<String> fewShotUsers = new LinkedHashSet<>();
  private final List<Run> runs = new ArrayList<>();
  private final Map<Run, List<String>> rowUsers = new LinkedHashMap<>();
  private final Map<Run, List<int[]>> rowPairs = new LinkedHashMap<>();
  private final List<Selection> selections = new ArrayList<>();
  private final List<Map<String, Object>> fewShotSelections = new ArrayList<>();
  private Map<PLoraMethod, double[]> learningRates = Map.of();
  private final Map<PLoraMethod, Double> fewShotMultipliers = new LinkedHashMap<>();
  private double wallSeconds = Double.NaN;
  private final int usersA;
  private final int usersB;

  PLoraResults(PLoraPreset preset, String model, RatingData data) {
    this.preset = preset;
    this.model = model;
    this.usersA = data.groupA().size();
    this.usersB = data.groupB().size();
    int n = 0;
    for (RatingData.UserRows u : data.groupB()) {
      if (preset.fewShotUsers() == 0 || n++ < preset.fewShotUsers()) {
        fewShotUsers.add(u.user());
      }
    }
  }

  void add(
      int classes,
      PLoraMethod m,
      long seed,
      String group,
      int shots,
      double lr,
      PLoraRunner.Data data,
      int[] pred,
      double seconds) {
    int[] y = data.labels();
    List<int[]> pairs = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      pairs.add(new int[] {y[i], pred[i]});
    }
    Scores s = Scores.of(pairs, classes);
    List<String> users = data.users();
    Run r =
        new Run(
            classes,
            m.name(),
            seed,
            group,
            shots,
            lr,
            s.accuracy(),
            s.rmse(),
            s.macroF1(),
            s.rows(),
            new LinkedHashSet<>(users).size(),
            seconds);
    runs.add(r);
    rowUsers.put(r, users);
    rowPairs.put(r, pairs);
  }

  /** The n-th last run. */
  Run last(int n) {
    return runs.get(runs.size() - n);
  }

  void addSelection(PLoraMethod m, double lr, double mult, int steps, double acc) {
    selections.add(new Selection(m.name(), lr, mult, steps, acc));
  }

  void addFewShotSelection(PLoraMethod method, double multiplier, int k, double acc) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("method", method.name());
    s.put("lr_multiplier", multiplier);
    s.put("shots", k);
    s.put("validation_accuracy", acc);
    fewShotSelections.add(s);
  }

  void setLearningRates(Map<PLoraMethod, double[]> lrs) {
    this.learningRates = new LinkedHashMap<>(lrs);
  }

  /** The few-shot learning-rate multiplier chosen for {@code method} (over its own rate). */
  void setFewShotMultiplier(PLoraMethod method, double m) {
    fewShotMultipliers.put(method, m);
  }

  void setWallSeconds(double s) {
    this.wallSeconds = s;
  }

  public List<Run> runs() {
    return List.copyOf(runs);
  }

  /** Writes results.json, results.md and fewshot.png (each atomically). */
  void write(Path out) throws IOException {
    List<Comparison> comparisons = comparisons();
    JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("preset", preset);
    doc.put("model", model);
    doc.put("users_a", usersA);
    doc.put("users_b", usersB);
    doc.put("few_shot_users", fewShotUsers);
    Map<String, Object> lrDoc = new LinkedHashMap<>();
    learningRates.forEach(
        (m, v) -> lrDoc.put(m.name(), Map.of("lr", v[0], "user_table_lr_multiplier", v[1])));
    doc.put("learning_rates", lrDoc);
    doc.put("few_shot_lr_multiplier", fewShotMultipliers.get(PLoraMethod.PLORA));
    Map<String, Double> fewDoc = new LinkedHashMap<>();
    fewShotMultipliers.forEach((m, v) -> fewDoc.put(m.name(), v));
    doc.put("few_shot_lr_multipliers", fewDoc);
    doc.put("selection", selections);
    doc.put("few_shot_selection", fewShotSelections);
    doc.put("wall_seconds", wallSeconds);
    doc.put("runs", runs);
    doc.put("comparisons", comparisons);
    AtomicFiles.writeString(out.resolve("results.json"), json.writeValueAsString(doc));
    AtomicFiles.writeString(out.resolve("results.md"), markdown(comparisons));
    chart(out.resolve("fewshot.png"));
  }

  /** PLoRA - task LoRA, paired over users (rows of every seed pooled per user). */
  List<Comparison> comparisons() {
    List<Comparison> out = new ArrayList<>();
    for (int classes : preset.classes()) {
      compare(out, classes, "trained users (a)", "a", 0, null);
      compare(out, classes, "new users, zero-shot (b)", "b", 0, null);
      for (int k : preset.shots()) {
        compare(out, classes, "new users, few-shot K=" + k, "b", k, fewShotUsers);
      }
    }
    return out;
  }

  private void compare(
      List<Comparison> out, int classes, String setting, String group, int k, Set<String> only) {
    Map<String, List<int[]>> plora = pooled(classes, PLoraMethod.PLORA.name(), group, k, only);
    Map<String, List<int[]>> task = pooled(classes, PLoraMethod.TASK_LORA.name(), group, 0, only);
    if (plora.isEmpty() || task.isEmpty()) {
      return;
    }
    for (String metric : Scores.METRICS) {
      double[] d =
          Scores.pairedBootstrap(plora, task, classes, metric, preset.bootstrap(), 17 + classes);
      out.add(new Comparison(classes, setting, metric, d[0], d[1], d[2], plora.size()));
    }
  }

  /** Per user, the {truth, prediction} pairs of every seed's run of a method and setting. */
  private Map<String, List<int[]>> pooled(
      int classes, String method, String group, int k, Set<String> only) {
    Map<String, List<int[]>> out = new LinkedHashMap<>();
    for (Run r : runs) {
      if (r.classes() == classes
          && r.method().equals(method)
          && r.group().equals(group)
          && r.shots() == k) {
        List<String> users = rowUsers.get(r);
        List<int[]> pairs = rowPairs.get(r);
        for (int i = 0; i < users.size(); i++) {
          if (only == null || only.contains(users.get(i))) {
            out.computeIfAbsent(users.get(i), x -> new ArrayList<>()).add(pairs.get(i));
          }
        }
      }
    }
    return out;
  }

  /** Mean and std over seeds of a metric for matching runs, as "0.123 ± 0.004". */
  private String cell(
      int classes, String method, String group, int k, String metric, Set<String> only) {
    List<Double> v = new ArrayList<>();
    for (long seed : preset.seeds()) {
      List<int[]> pairs = new ArrayList<>();
      for (Run r : runs) {
        if (r.classes() == classes
            && r.method().equals(method)
            && r.group().equals(group)
            && r.shots() == k
            && r.seed() == seed) {
          List<String> users = rowUsers.get(r);
          for (int i = 0; i < users.size(); i++) {
            if (only == null || only.contains(users.get(i))) {
              pairs.add(rowPairs.get(r).get(i));
            }
          }
        }
      }
      if (!pairs.isEmpty()) {
        v.add(Scores.of(pairs, classes).get(metric));
      }
    }
    if (v.isEmpty()) {
      return "";
    }
    double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    double var = 0;
    for (double x : v) {
      var += (x - mean) * (x - mean);
    }
    double sd = v.size() > 1 ? Math.sqrt(var / (v.size() - 1)) : 0;
    // fewer seeds than the preset's (a run stopped early): say how many
    return String.format(Locale.ROOT, "%.4f ± %.4f", mean, sd)
        + (v.size() < preset.seeds().size() ? " (n=" + v.size() + ")" : "");
  }

  private double meanOf(
      int classes, String method, String group, int k, String metric, Set<String> only) {
    String c = cell(classes, method, group, k, metric, only);
    return c.isEmpty() ? Double.NaN : Double.parseDouble(c.substring(0, c.indexOf(' ')));
  }

  private double trainSeconds(int classes, String method) {
    return runs.stream()
        .filter(r -> r.classes() == classes && r.method().equals(method) && r.group().equals("a"))
        .mapToDouble(Run::seconds)
        .average()
        .orElse(Double.NaN);
  }

  String markdown(List<Comparison> comparisons) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "PLoRA on MovieLens (preset `%s`, %s): %d trained users (a), %d new users (b), %d of"
                + " them enrolled few-shot; %d seeds; %d steps of %d; wall time %s.%n%n",
            preset.name(),
            model,
            usersA,
            usersB,
            fewShotUsers.size(),
            preset.seeds().size(),
            preset.steps(),
            preset.batchSize(),
            Double.isNaN(wallSeconds)
                ? "(running)"
                : String.format(Locale.ROOT, "%.1f min", wallSeconds / 60)));
    sb.append("Learning rates (chosen on group a validation rows): ");
    List<String> lr = new ArrayList<>();
    learningRates.forEach(
        (m, v) ->
            lr.add(m.name() + " " + v[0] + (m.isPLora() ? " (user table x" + v[1] + ")" : "")));
    sb.append(String.join(", ", lr));
    if (!fewShotMultipliers.isEmpty()) {
      List<String> few = new ArrayList<>();
      fewShotMultipliers.forEach(
          (m, v) -> few.add(String.format(Locale.ROOT, "%s at %s x its rate", m.label(), v)));
      sb.append("; few-shot: ")
          .append(String.join(", ", few))
          .append(" (chosen on group b validation rows)");
    }
    sb.append(".\n\n");
    for (int classes : preset.classes()) {
      sb.append(String.format(Locale.ROOT, "#### %d classes%n%n", classes));
      sb.append(
          "| method | a: accuracy | a: RMSE | a: macro-F1 | b zero-shot: accuracy | b: RMSE | b:"
              + " macro-F1 | train s |\n|---|---|---|---|---|---|---|---|\n");
      for (PLoraMethod m : preset.methods(classes)) {
        sb.append("| ").append(m.label()).append(" |");
        for (String g : List.of("a", "b")) {
          for (String metric : Scores.METRICS) {
            sb.append(' ').append(cell(classes, m.name(), g, 0, metric, null)).append(" |");
          }
        }
        sb.append(String.format(Locale.ROOT, " %.0f |%n", trainSeconds(classes, m.name())));
      }
      sb.append('\n');
      if (runs.stream().anyMatch(r -> r.classes() == classes && r.shots() > 0)) {
        sb.append(
            String.format(
                Locale.ROOT,
                "Few-shot on the %d enrolled new users (accuracy / RMSE; K = 0 is zero-shot on"
                    + " the same users; task LoRA does not use the K examples):%n%n",
                fewShotUsers.size()));
        sb.append(
            "| K | PLoRA | user-id embedding | task LoRA | PLoRA fit s/user |\n|---|---|---|---|---|\n");
        List<Integer> ks = new ArrayList<>();
        ks.add(0);
        ks.addAll(preset.shots());
        for (int k : ks) {
          sb.append("| ").append(k).append(" |");
          for (PLoraMethod m :
              List.of(PLoraMethod.PLORA, PLoraMethod.USER_EMB, PLoraMethod.TASK_LORA)) {
            int kk = m == PLoraMethod.TASK_LORA ? 0 : k;
            sb.append(' ')
                .append(cell(classes, m.name(), "b", kk, "accuracy", fewShotUsers))
                .append(" / ")
                .append(cell(classes, m.name(), "b", kk, "rmse", fewShotUsers))
                .append(" |");
          }
          double fit =
              runs.stream()
                  .filter(
                      r ->
                          r.classes() == classes
                              && r.method().equals("PLORA")
                              && r.shots() == k
                              && k > 0)
                  .mapToDouble(Run::seconds)
                  .average()
                  .orElse(Double.NaN);
          sb.append(Double.isNaN(fit) ? " |" : String.format(Locale.ROOT, " %.2f |", fit))
              .append('\n');
        }
        sb.append('\n');
      }
    }
    sb.append(
            "Paired comparison, PLoRA - task LoRA over users (rows of all seeds pooled per user;"
                + " percentile bootstrap, ")
        .append(preset.bootstrap())
        .append(" resamples of users; RMSE: negative is better):\n\n");
    sb.append(
        "| classes | setting | users | accuracy | RMSE | macro-F1 |\n|---|---|---|---|---|---|\n");
    Map<String, Map<String, Comparison>> byRow = new LinkedHashMap<>();
    for (Comparison c : comparisons) {
      byRow
          .computeIfAbsent(c.classes() + "|" + c.setting(), x -> new LinkedHashMap<>())
          .put(c.metric(), c);
    }
    for (Map<String, Comparison> row : byRow.values()) {
      Comparison any = row.values().iterator().next();
      sb.append(
          String.format(
              Locale.ROOT, "| %d | %s | %d |", any.classes(), any.setting(), any.users()));
      for (String metric : Scores.METRICS) {
        Comparison c = row.get(metric);
        sb.append(
            String.format(
                Locale.ROOT, " %+.4f [%+.4f, %+.4f] |", c.difference(), c.low(), c.high()));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private void chart(Path file) throws IOException {
    int classes = preset.classes().contains(10) ? 10 : preset.classes().get(0);
    List<Integer> ks = new ArrayList<>();
    ks.add(0);
    ks.addAll(preset.shots());
    List<LineChart.Series> series = new ArrayList<>();
    double[] x = ks.stream().mapToDouble(Integer::doubleValue).toArray();
    for (PLoraMethod m : List.of(PLoraMethod.PLORA, PLoraMethod.USER_EMB, PLoraMethod.TASK_LORA)) {
      double[] y = new double[ks.size()];
      for (int i = 0; i < ks.size(); i++) {
        int k = m == PLoraMethod.TASK_LORA ? 0 : ks.get(i);
        y[i] = meanOf(classes, m.name(), "b", k, "accuracy", fewShotUsers);
      }
      series.add(new LineChart.Series(m.label(), null, x, y, true));
    }
    LineChart.write(
        file,
        String.format(
            Locale.ROOT,
            "Few-shot on %d new users, %d classes (mean over seeds)",
            fewShotUsers.size(),
            classes),
        "K: examples of the new user (0 = zero-shot)",
        "test accuracy",
        series,
        960,
        540);
  }
}
