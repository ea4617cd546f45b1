/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.chart.BarChart;
import io.persona4j.core.chart.LineChart;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.experiments.rec.MethodResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link FellRecExperiment.Report}: {@code results.json} (every per-seed number,
 * per-client curves and per-sample outcomes), {@code results.md} (the table, mean +- std over
 * seeds, and the per-client tables with paired CIs of {@link FellRecClientReport}), {@code
 * curves.png} (mean client validation loss per round, averaged over seeds, one line per method),
 * {@code hr1.png} / {@code ndcg10.png} (bar charts with error bars) and, with a noisy client,
 * {@code curves-noisy.png} (that client's validation loss per round).
 */
public final class FellRecResults {
  /**
   * The files written.
   *
   * @param noisyCurves the noisy client's validation curves, null without a noisy client
   */
  public record Written(
      Path json, Path markdown, Path curves, Path hr1Chart, Path ndcgChart, Path noisyCurves) {}

  private FellRecResults() {}

  /** Writes everything into {@code dir}; {@code command} is recorded as how the run was made. */
  public static Written write(FellRecExperiment.Report report, String command, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    Written out =
        new Written(
            dir.resolve("results.json"),
            dir.resolve("results.md"),
            dir.resolve("curves.png"),
            dir.resolve("hr1.png"),
            dir.resolve("ndcg10.png"),
            report.noisyClient() == null ? null : dir.resolve("curves-noisy.png"));
    writeJson(report, command, out.json());
    AtomicFiles.writeString(out.markdown(), markdown(report, command));
    List<LineChart.Series> series = new ArrayList<>();
    List<BarChart.Bar> hr = new ArrayList<>();
    List<BarChart.Bar> ndcg = new ArrayList<>();
    int index = 0;
    for (FellRecExperiment.MethodResult r : report.results()) {
      double[] y = meanCurve(r.validLoss());
      double[] x = new double[y.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = i + 1;
      }
      series.add(
          new LineChart.Series(r.method().label(), FellRecClientReport.color(index++), x, y, true));
      hr.add(new BarChart.Bar(r.method().label(), mean(r.hr1()), std(r.hr1())));
      ndcg.add(new BarChart.Bar(r.method().label(), mean(r.ndcg10()), std(r.ndcg10())));
    }
    LineChart.write(
        out.curves(),
        "Mean client validation loss per round (" + report.preset().name() + ")",
        "round",
        "validation loss (per token)",
        series,
        960,
        540);
    BarChart.write(
        out.hr1Chart(),
        "HitRatio@1 on 20 candidates, likelihood ranking (" + report.preset().name() + ")",
        "HitRatio@1",
        hr);
    BarChart.write(
        out.ndcgChart(),
        "Full-ranking NDCG@10, BIGRec grounding (" + report.preset().name() + ")",
        "NDCG@10",
        ndcg);
    if (out.noisyCurves() != null) {
      FellRecClientReport.writeClientCurves(report, report.noisyClient(), out.noisyCurves());
    }
    return out;
  }

  /** The per-round mean over seeds. */
  static double[] meanCurve(List<double[]> curves) {
    if (curves.isEmpty()) {
      return new double[0];
    }
    double[] m = new double[curves.get(0).length];
    for (double[] c : curves) {
      for (int i = 0; i < m.length; i++) {
        m[i] += c[i] / curves.size();
      }
    }
    return m;
  }

  static double mean(List<Double> xs) {
    return MethodResult.mean(xs);
  }

  static double std(List<Double> xs) {
    return MethodResult.std(xs);
  }

  /** The markdown table and what it measures. */
  public static String markdown(FellRecExperiment.Report r, String command) {
    StringBuilder b = new StringBuilder();
    FellRecPreset p = r.preset();
    b.append("### FELLRec: federated LLM recommendation (preset `")
        .append(p.name())
        .append("`)\n\n");
    b.append("Command: `").append(command).append("`\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Data: %s (%s). %d users in %d clients (%s; sizes per seed %s); %d test samples per seed"
                + " (each client's model on its own users); %d seeds; %d rounds x %d local steps"
                + " (batch %d, lr %.0e), LoRA r=%d alpha=%.0f dropout %.2f on q_proj,v_proj;"
                + " FELLRec keeps the LoRA of the first %d layer(s) and the last layer on the"
                + " client; FedProx mu=%.3g; wall time %.0f s.\n\n",
            r.data(),
            r.dataSummary(),
            r.users(),
            r.clientIds().isEmpty() ? p.clients() : r.clientIds().size(),
            p.grouping() == FellRecPreset.Grouping.GENRE_KMEANS
                ? "K-means with a fixed seed on the genre profiles of the users' training items"
                    + (p.noisyUsers() > 0
                        ? ", plus one client of "
                            + p.noisyUsers()
                            + " random users whose training targets are random items"
                        : "")
                : "K-means on unit-length mean SASRec item embeddings of each user's training"
                    + " history",
            sizes(r.clientSizes()),
            r.evaluatedPerSeed(),
            r.clientSizes().size(),
            p.rounds(),
            p.finetune().steps(),
            p.finetune().batch(),
            p.finetune().lr(),
            p.finetune().rank(),
            p.finetune().alpha(),
            p.finetune().dropout(),
            p.clientLayers(),
            p.proxMu(),
            r.seconds()));
    if (r.base() != null) {
      b.append(
          String.format(
              Locale.ROOT,
              "Base model: a %d-layer, hidden-%d Llama pre-trained here (%d steps, loss %.3f ->"
                  + " %.3f), frozen and shared by all clients.\n\n",
              p.base().layers(),
              p.base().hidden(),
              r.base().steps(),
              r.base().firstLoss(),
              r.base().finalLoss()));
    }
    b.append(
        "| method | HR@1 (20 cand.) | Recall@10 (full) | NDCG@10 (full) | final valid loss |"
            + " messages | MB moved | s / seed |\n");
    b.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (FellRecExperiment.MethodResult m : r.results()) {
      double[] curve = meanCurve(m.validLoss());
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.4f +- %.4f | %.4f +- %.4f | %.4f +- %.4f | %.4f | %.0f | %.2f | %.0f |\n",
              m.method().label(),
              mean(m.hr1()),
              std(m.hr1()),
              mean(m.recall10()),
              std(m.recall10()),
              mean(m.ndcg10()),
              std(m.ndcg10()),
              curve.length == 0 ? Double.NaN : curve[curve.length - 1],
              m.messages().stream().mapToLong(Long::longValue).average().orElse(0),
              m.bytes().stream().mapToLong(Long::longValue).average().orElse(0) / 1e6,
              mean(m.seconds())));
    }
    b.append(
        "\nHR@1: the target's title has the highest likelihood (+ EOS) among the 20 candidates"
            + " after the open prompt (history only; the candidates are not shown). Recall@10 /"
            + " NDCG@10: greedy generation, its first line embedded by the frozen base model"
            + " (last-token final hidden state) and every catalog title the same way; all items"
            + " ranked by L2 distance, the user's earlier items excluded (BIGRec grounding)."
            + " Metrics pool all clients' test samples (clients weighted by test size); mean +-"
            + " sample std over seeds.");
    if (p.selectCheckpoint()) {
      b.append(
          " Each method is evaluated after the round with the lowest mean validation loss"
              + " (rounds per seed in the tables below); the test split is read once, at the end.");
    }
    b.append('\n');
    b.append(FellRecClientReport.markdown(r));
    return b.toString();
  }

  private static String sizes(Map<Long, int[]> sizes) {
    List<String> s = new ArrayList<>();
    sizes.forEach((seed, v) -> s.add(Arrays.toString(v)));
    return String.join(", ", s);
  }

  private static void writeJson(FellRecExperiment.Report r, String command, Path file)
      throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("experiment", "fellrec");
    root.put("preset", r.preset().name());
    root.put("command", command);
    root.put("data", r.data().toString());
    root.put("users", r.users());
    root.put("catalogItems", r.catalogItems());
    root.put("evaluatedPerSeed", r.evaluatedPerSeed());
    root.put("seconds", r.seconds());
    root.set("presetConfig", json.valueToTree(presetMap(r.preset())));
    ObjectNode sizes = root.putObject("clientSizes");
    r.clientSizes().forEach((seed, v) -> sizes.set(seed.toString(), json.valueToTree(v)));
    if (r.base() != null) {
      root.set("base", json.valueToTree(r.base()));
    }
    root.set("clientIds", json.valueToTree(r.clientIds()));
    root.put("noisyClient", r.noisyClient());
    if (r.tasteCheck() != null) {
      ObjectNode check = root.putObject("tasteCheck");
      check.set("tvDistance", json.valueToTree(r.tasteCheck().distance()));
      check.set("randomTvDistance", json.valueToTree(r.tasteCheck().randomDistance()));
      check.set("topNextItemGenres", json.valueToTree(r.tasteCheck().topGenres()));
    }
    ArrayNode paired = root.putArray("paired");
    for (FellRecClientReport.Paired p : FellRecClientReport.paired(r)) {
      ObjectNode o = paired.addObject();
      o.put("first", p.first().label());
      o.put("second", p.second().label());
      o.put("client", p.client());
      o.set("hr1Diff", json.valueToTree(p.hr1()));
      o.set("mcNemar", json.valueToTree(p.mcNemar()));
      o.set("ndcg10Diff", json.valueToTree(p.ndcg10()));
    }
    ArrayNode methods = root.putArray("methods");
    for (FellRecExperiment.MethodResult m : r.results()) {
      ObjectNode o = methods.addObject();
      o.put("method", m.method().label());
      o.set("hr1", json.valueToTree(m.hr1()));
      o.set("recall10", json.valueToTree(m.recall10()));
      o.set("ndcg10", json.valueToTree(m.ndcg10()));
      o.put("hr1Mean", mean(m.hr1()));
      o.put("hr1Std", std(m.hr1()));
      o.put("recall10Mean", mean(m.recall10()));
      o.put("ndcg10Mean", mean(m.ndcg10()));
      o.set("validLossPerRound", json.valueToTree(m.validLoss()));
      o.set("messages", json.valueToTree(m.messages()));
      o.set("bytes", json.valueToTree(m.bytes()));
      o.set("aggregationShift", json.valueToTree(m.aggregationShift()));
      o.set("seconds", json.valueToTree(m.seconds()));
      o.set("sampleGenerations", json.valueToTree(m.sampleGenerations()));
      o.set("selectedRound", json.valueToTree(m.selectedRound()));
      o.set("validLossPerClient", json.valueToTree(m.validLossPerClient()));
      o.set("trainLossPerClient", json.valueToTree(m.trainLossPerClient()));
      o.set("similarityRangePerRound", json.valueToTree(m.similarityRange()));
      ArrayNode seeds = o.putArray("perClientPerSeed");
      for (List<FellRecExperiment.ClientOutcome> perSeed : m.clients()) {
        ArrayNode cs = seeds.addArray();
        for (FellRecExperiment.ClientOutcome c : perSeed) {
          ObjectNode co = cs.addObject();
          co.put("client", c.client());
          co.put("hr1", FellRecClientReport.hr1(c));
          co.put("recall10", FellRecClientReport.recall10(c));
          co.put("ndcg10", FellRecClientReport.ndcg10(c));
          co.set("hit1", json.valueToTree(c.hit1()));
          co.set("ranks", json.valueToTree(c.ranks()));
        }
      }
    }
    AtomicFiles.write(file, json.writeValueAsBytes(root));
  }

  private static Map<String, Object> presetMap(FellRecPreset p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("maxUsers", p.selection().maxUsers());
    m.put("llmTrainPerUser", p.selection().llmTrainPerUser());
    m.put("pretrainPromptsPerUser", p.selection().pretrainPromptsPerUser());
    m.put("evalUsersPerClient", p.evalUsersPerClient());
    m.put("clients", p.clients());
    m.put("seeds", p.seeds());
    m.put("sasrecEpochs", p.sasrecEpochs());
    m.put("base", p.base());
    m.put("rounds", p.rounds());
    m.put("localSteps", p.finetune().steps());
    m.put("batch", p.finetune().batch());
    m.put("lr", p.finetune().lr());
    m.put("rank", p.finetune().rank());
    m.put("alpha", p.finetune().alpha());
    m.put("dropout", p.finetune().dropout());
    m.put("maxPrompt", p.finetune().maxPrompt());
    m.put("clientLayers", p.clientLayers());
    m.put("proxMu", p.proxMu());
    m.put("fellrec", p.fellrec());
    m.put("maxNewTokens", p.maxNewTokens());
    m.put("grouping", p.grouping());
    m.put("noisyUsers", p.noisyUsers());
    m.put("methods", p.methods());
    m.put("selectCheckpoint", p.selectCheckpoint());
    return m;
  }
}
