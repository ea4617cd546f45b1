/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.chart.BarChart;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.FinetunePreset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes an experiment's results: a JSON file with every number, a PNG bar chart of candidate
 * HitRatio@1, and a Markdown section in a results file (docs/RESULTS.md) that replaces the section
 * of an earlier run of the same preset and data set and leaves everything else as it was.
 */
public final class ResultsWriter {
  private ResultsWriter() {}

  /** Writes {@code report} to {@code json}, {@code chart} and the section in {@code markdown}. */
  public static void write(
      RecExperiment.Report report,
      String command,
      String machine,
      Path json,
      Path chart,
      Path markdown)
      throws IOException {
    writeJson(report, json);
    List<BarChart.Bar> bars = new ArrayList<>();
    for (MethodResult r : report.results()) {
      bars.add(new BarChart.Bar(r.method(), MethodResult.mean(r.hr1()), MethodResult.std(r.hr1())));
      if (!r.hr1Likelihood().isEmpty()) {
        bars.add(
            new BarChart.Bar(
                r.method() + " (likelihood)",
                MethodResult.mean(r.hr1Likelihood()),
                MethodResult.std(r.hr1Likelihood())));
      }
    }
    BarChart.write(
        chart,
        "HitRatio@1 on 20 candidates (" + report.preset().name() + ", " + dataName(report) + ")",
        "HitRatio@1",
        bars);
    Path rel =
        markdown
            .toAbsolutePath()
            .normalize()
            .getParent()
            .relativize(chart.toAbsolutePath().normalize());
    String section = markdown(report, command, machine, rel);
    if (report.groups() != null) {
      Path groupChart = groupChart(chart);
      GroupedReport g = new GroupedReport(report);
      g.chart(groupChart);
      section += g.markdown(rel.resolveSibling(groupChart.getFileName()));
    }
    replaceSection(markdown, marker(report), section);
  }

  /** The grouped setting's chart next to {@code chart}: {@code <name>-groups.png}. */
  public static Path groupChart(Path chart) {
    String name = chart.getFileName().toString().replaceFirst("\\.png$", "");
    return chart.resolveSibling(name + "-groups.png");
  }

  static String dataName(RecExperiment.Report r) {
    Path name = r.data().toAbsolutePath().normalize().getFileName();
    return name == null ? r.data().toString() : name.toString();
  }

  static String marker(RecExperiment.Report r) {
    return "rec-experiment " + r.preset().name() + " " + dataName(r);
  }

  static String markdown(RecExperiment.Report r, String command, String machine, Path chart) {
    StringBuilder b = new StringBuilder();
    b.append("### Sequential recommendation: ")
        .append(dataName(r))
        .append(", preset `")
        .append(r.preset().name())
        .append("`\n\n");
    b.append("Command: `").append(command).append("`  \n");
    b.append("Machine: ")
        .append(machine)
        .append("; wall time ")
        .append(String.format(Locale.ROOT, "%.1f min", r.seconds() / 60))
        .append(".  \n");
    b.append("Data: ").append(r.dataSummary().replace('\n', ' ')).append("  \n");
    b.append(
        String.format(
            Locale.ROOT,
            "Users %d; LLM fine-tuning on %d examples; evaluated on %d test users (fixed 20-item"
                + " candidate sets: target + 19 items not in the history, seed 42); seeds %s.  \n",
            r.users(),
            r.llmTrainExamples(),
            r.evalUsers(),
            r.preset().seeds()));
    BaseModelPreset base = r.preset().base();
    FinetunePreset ft = r.preset().finetune();
    String corpus =
        r.preset().copyPromptsPerUser() > 0
            ? "the training users' histories, the catalog titles and "
                + r.preset().copyPromptsPerUser()
                + " copying prompts per user (LLaRA prompts whose answer is a randomly drawn"
                + " listed candidate: the base learns to copy a title, not which to recommend)"
            : "the training users' histories, the catalog titles and older text-only prompts"
                + " with answers";
    String baseText =
        r.base() == null
            ? "Base model: " + r.baseModel() + " (given" + givenBase(r.baseModel()) + ")."
            : String.format(
                Locale.ROOT,
                "Base model: Llama, %d layers, hidden %d, vocab %d, pre-trained %d steps on %s"
                    + " (loss %.3f -> %.3f).",
                base.layers(),
                base.hidden(),
                base.vocab(),
                r.base().steps(),
                corpus,
                r.base().firstLoss(),
                r.base().finalLoss());
    b.append(baseText)
        .append(
            String.format(
                Locale.ROOT,
                " Adapters: total rank %d, alpha %.0f, dropout %.2f on q,k,v,o,gate,up,down; %d"
                    + " steps of %d, lr %.1e; hybrid item tokens from SASRec (64-d), curriculum"
                    + " text -> hybrid.",
                ft.rank(),
                ft.alpha(),
                ft.dropout(),
                ft.steps(),
                ft.batch(),
                ft.lr()));
    if (r.validUsers() > 0) {
      b.append(
          String.format(
              Locale.ROOT,
              " Checkpoints: %d validation checks on %d validation users, the best by validation"
                  + " HR x ValidRatio of free generation (ties: constrained HR@1, then the later"
                  + " step; every check at 0: the final weights) restored; the test users are"
                  + " evaluated once, with it.",
              r.preset().checks(),
              r.validUsers()));
    } else {
      b.append(" The final weights are evaluated (no checkpoint selection).");
    }
    b.append(
        " HR@1 (constrained): greedy decoding restricted by a prefix trie to the 20 candidate"
            + " titles (ValidRatio 1 by construction); HR@1 (beam "
            + LlmRecRun.BEAM_WIDTH
            + "): beam search of width "
            + LlmRecRun.BEAM_WIDTH
            + " over the same trie (raw log-probabilities, no length normalization).\n\n");
    b.append(
        "| method | HR@1 (20 candidates) | ValidRatio | HR@1 (constrained) | HR@1 (beam "
            + LlmRecRun.BEAM_WIDTH
            + ") | HR@1 (likelihood) | HR@10 (full ranking) | NDCG@10 (full ranking) | time per"
            + " seed (s) |\n");
    b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (MethodResult m : r.results()) {
      b.append("| ")
          .append(m.method())
          .append(" | ")
          .append(pm(m.hr1()))
          .append(" | ")
          .append(pm(m.valid()))
          .append(" | ")
          .append(constrained(r, m.method()))
          .append(" | ")
          .append(beam(r, m.method()))
          .append(" | ")
          .append(m.hr1Likelihood().isEmpty() ? "–" : pm(m.hr1Likelihood()))
          .append(" | ")
          .append(m.hr10().isEmpty() ? "–" : pm(m.hr10()))
          .append(" | ")
          .append(m.ndcg10().isEmpty() ? "–" : pm(m.ndcg10()))
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.0f", MethodResult.mean(m.seconds())))
          .append(" |\n");
    }
    b.append("\n![HR@1](").append(chart.toString().replace('\\', '/')).append(")\n");
    return b.toString();
  }

  /** Mean ± std over seeds of the constrained protocol's HR@1, "–" for non-LLM methods. */
  static String constrained(RecExperiment.Report r, String method) {
    List<Double> xs = new ArrayList<>();
    for (LlmRecRun.Outcome o : r.outcomes()) {
      if (o.method().equals(method) && o.constrained() != null) {
        xs.add(o.constrained().hitRatio());
      }
    }
    return xs.isEmpty() ? "–" : pm(xs);
  }

  /**
   * What a given base model's own files say of it: its pre-training ({@code pretraining.json}:
   * size, steps, loss) and its ValidRatio check ({@code base-check.json} of {@code rec base}), or
   * nothing where they are missing or unreadable.
   */
  static String givenBase(Path dir) {
    StringBuilder out = new StringBuilder();
    ObjectMapper json = new ObjectMapper();
    try {
      Path pre = dir.resolve("pretraining.json");
      if (java.nio.file.Files.isRegularFile(pre)) {
        var n = json.readTree(pre.toFile());
        out.append(
            String.format(
                Locale.ROOT,
                "; Llama, %d layers, hidden %d, pre-trained %d steps (loss %.3f -> %.3f, %.0f s),"
                    + " %d copying prompts in its corpus",
                n.path("layers").asInt(),
                n.path("hidden").asInt(),
                n.path("steps").asLong(),
                n.path("first_loss").asDouble(),
                n.path("final_loss").asDouble(),
                n.path("seconds").asDouble(),
                n.path("completion_documents").asLong()));
      }
      Path check = dir.resolve("base-check.json");
      if (java.nio.file.Files.isRegularFile(check)) {
        var n = json.readTree(check.toFile());
        out.append(
            String.format(
                Locale.ROOT,
                "; free-generation ValidRatio %.4f, HR@1 %.4f on %d validation users before any"
                    + " adapter",
                n.path("valid_ratio").asDouble(),
                n.path("hr1").asDouble(),
                n.path("samples").asLong()));
      }
    } catch (java.io.IOException e) {
      return "";
    }
    return out.toString();
  }

  /** Mean ± std over seeds of the beam protocol's HR@1, "–" for non-LLM methods. */
  static String beam(RecExperiment.Report r, String method) {
    List<Double> xs = new ArrayList<>();
    for (LlmRecRun.Outcome o : r.outcomes()) {
      if (o.method().equals(method) && o.beam() != null) {
        xs.add(o.beam().hitRatio());
      }
    }
    return xs.isEmpty() ? "–" : pm(xs);
  }

  static String pm(List<Double> xs) {
    return xs.size() <= 1
        ? String.format(Locale.ROOT, "%.4f", MethodResult.mean(xs))
        : String.format(Locale.ROOT, "%.4f ± %.4f", MethodResult.mean(xs), MethodResult.std(xs));
  }

  /**
   * Replaces the text between {@code <!-- marker start -->} and {@code <!-- marker end -->} in
   * {@code file} by {@code section}, or appends the marked section; writes atomically.
   */
  public static void replaceSection(Path file, String marker, String section) throws IOException {
    String start = "<!-- " + marker + " start -->";
    String end = "<!-- " + marker + " end -->";
    String text =
        Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Results\n";
    String block = start + "\n" + section + end;
    int i = text.indexOf(start);
    int j = text.indexOf(end);
    String updated;
    if (i >= 0 && j > i) {
      updated = text.substring(0, i) + block + text.substring(j + end.length());
    } else {
      updated = text + (text.endsWith("\n") ? "\n" : "\n\n") + block + "\n";
    }
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, updated, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static void writeJson(RecExperiment.Report r, Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("preset", r.preset().name());
    root.set("preset_config", json.valueToTree(r.preset()));
    root.put("data", r.data().toString());
    root.put("data_summary", r.dataSummary());
    root.put("users", r.users());
    root.put("llm_train_examples", r.llmTrainExamples());
    root.put("eval_users", r.evalUsers());
    root.put("base_model", r.baseModel().toString());
    root.set("base", r.base() == null ? null : json.valueToTree(r.base()));
    root.put("seconds", r.seconds());
    ArrayNode results = root.putArray("results");
    r.results().forEach(m -> results.add(json.valueToTree(m)));
    ArrayNode runs = root.putArray("llm_runs");
    r.outcomes().forEach(o -> runs.add(json.valueToTree(o)));
    AtomicFiles.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }
}
