/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Example;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The SecFPP experiment: for every setting (Amazon reviews at each alpha, MovieLens), seed and
 * method (local-only, FedAvg, DP at each epsilon, SecFPP), trains and evaluates personalized
 * accuracy; writes {@code results.json} and {@code results.md} into the output directory.
 */
public final class SecFppExperiment {
  /** Name of the two-domain setting. */
  public static final String DOMAINS = "domains";

  private final SecFppPreset preset;
  private final BertModel encoder;
  private final TextEncoder textEncoder;
  private final NDManager manager;
  private final PrintStream log;

  public SecFppExperiment(
      SecFppPreset preset,
      BertModel encoder,
      TextEncoder textEncoder,
      NDManager manager,
      PrintStream log) {
    this.preset = preset;
    this.encoder = encoder;
    this.textEncoder = textEncoder;
    this.manager = manager;
    this.log = log;
  }

  /**
   * Runs everything and writes the results.
   *
   * @param reviews the amazon-food-reviews directory
   * @param movielens the movielens-small directory
   * @param out output directory
   */
  public List<RunResult> run(Path reviews, Path movielens, Path out) throws Exception {
    Files.createDirectories(out);
    List<RunResult> results = new ArrayList<>();
    SecFppRunner runner = new SecFppRunner(encoder, preset, manager);
    for (long seed : preset.seeds()) {
      Map<String, List<ClientData>> settings = new LinkedHashMap<>();
      Map<String, List<Integer>> domains = new LinkedHashMap<>();
      for (double alpha : preset.alphas()) {
        settings.put(
            "amazon-alpha" + SecFppRunner.fmt(alpha),
            SecFppDatasets.amazon(reviews, preset, alpha, seed));
      }
      if (preset.movielens()) {
        settings.put("movielens-users", SecFppDatasets.movielens(movielens, preset, seed));
      }
      if (preset.domains()) {
        settings.put(DOMAINS, SecFppDatasets.domains(reviews, movielens, preset, seed));
        List<Integer> d = new ArrayList<>();
        for (int i = 0; i < preset.clients(); i++) {
          d.add(SecFppDatasets.domainOf(i, preset));
        }
        domains.put(DOMAINS, d);
      }
      for (Map.Entry<String, List<ClientData>> s : settings.entrySet()) {
        List<List<Example>> train = new ArrayList<>();
        List<List<Example>> test = new ArrayList<>();
        for (ClientData c : s.getValue()) {
          train.add(SecFppRunner.examples(c.trainTexts(), c.trainLabels(), textEncoder));
          test.add(SecFppRunner.examples(c.testTexts(), c.testLabels(), textEncoder));
        }
        results.add(
            MajorityBaseline.run(
                s.getKey(), seed, s.getValue(), domains.getOrDefault(s.getKey(), List.of())));
        List<Object[]> runs = new ArrayList<>();
        runs.add(new Object[] {SecFppMethod.LOCAL, 0.0});
        runs.add(new Object[] {SecFppMethod.FEDAVG, 0.0});
        for (double e : preset.epsilons()) {
          runs.add(new Object[] {SecFppMethod.DP, e});
        }
        runs.add(new Object[] {SecFppMethod.SECFPP, 0.0});
        if (domains.containsKey(s.getKey())) {
          runs.add(new Object[] {SecFppMethod.SECFPP_DATA, 0.0});
        }
        for (Object[] r : runs) {
          RunResult res =
              runner.run(
                  s.getKey(),
                  (SecFppMethod) r[0],
                  (double) r[1],
                  seed,
                  2,
                  train,
                  test,
                  domains.getOrDefault(s.getKey(), List.of()));
          results.add(res);
          log.printf(
              Locale.ROOT,
              "%s seed %d %-10s acc %.4f (client mean %.4f) drift %.3f%s%s %.1fs%n",
              res.setting(),
              seed,
              res.method(),
              res.accuracy(),
              res.meanClientAccuracy(),
              res.promptDrift(),
              res.clusters() > 0 ? " k=" + res.clusters() : "",
              Double.isNaN(res.adjustedRand())
                  ? ""
                  : String.format(Locale.ROOT, " ARI=%.3f", res.adjustedRand()),
              res.seconds());
          write(results, out);
        }
      }
    }
    return results;
  }

  private void write(List<RunResult> results, Path out) throws IOException {
    JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("preset", preset);
    doc.put("runs", results);
    AtomicFiles.writeString(out.resolve("results.json"), json.writeValueAsString(doc));
    AtomicFiles.writeString(
        out.resolve("results.md"), table(results) + SecFppReport.markdown(results));
    SecFppReport.plot(results, out);
  }

  /** Markdown table: mean and std over seeds of the pooled test accuracy per setting and method. */
  public static String table(List<RunResult> results) {
    Map<String, Map<String, List<RunResult>>> by = new LinkedHashMap<>();
    List<String> methods = new ArrayList<>();
    for (RunResult r : results) {
      by.computeIfAbsent(r.setting(), k -> new LinkedHashMap<>())
          .computeIfAbsent(r.method(), k -> new ArrayList<>())
          .add(r);
      if (!methods.contains(r.method())) {
        methods.add(r.method());
      }
    }
    StringBuilder sb = new StringBuilder("| setting |");
    methods.forEach(m -> sb.append(' ').append(m).append(" |"));
    sb.append("\n|---|");
    methods.forEach(m -> sb.append("---|"));
    sb.append('\n');
    for (Map.Entry<String, Map<String, List<RunResult>>> s : by.entrySet()) {
      sb.append("| ").append(s.getKey()).append(" |");
      for (String m : methods) {
        List<RunResult> rs = s.getValue().get(m);
        if (rs == null) {
          sb.append(" |");
          continue;
        }
        double mean = rs.stream().mapToDouble(RunResult::accuracy).average().orElse(Double.NaN);
        double var =
            rs.stream().mapToDouble(r -> (r.accuracy() - mean) * (r.accuracy() - mean)).sum()
                / Math.max(1, rs.size() - 1);
        sb.append(
            String.format(Locale.ROOT, " %.3f ± %.3f (n=%d) |", mean, Math.sqrt(var), rs.size()));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
