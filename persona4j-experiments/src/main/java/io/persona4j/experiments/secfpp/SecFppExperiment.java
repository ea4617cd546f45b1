/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
  private Set<SecFppMethod> methods = EnumSet.allOf(SecFppMethod.class);
  private List<RunResult> previous = List.of();

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
   * The methods to run (default: all); the majority baseline always runs (it trains nothing).
   * {@code SECFPP_DATA} runs on settings with known domains only.
   */
  public SecFppExperiment optMethods(Set<SecFppMethod> methods) {
    if (methods.isEmpty()) {
      throw new IllegalArgumentException("methods must not be empty");
    }
    this.methods = EnumSet.copyOf(methods);
    return this;
  }

  /**
   * Runs of an earlier invocation on the same preset and seeds (its {@code results.json}, see
   * {@link #readRuns}), reported together with this invocation's runs; the majority baseline is not
   * repeated where they hold it.
   */
  public SecFppExperiment optPrevious(List<RunResult> previous) {
    this.previous = List.copyOf(previous);
    return this;
  }

  /** The runs of a {@code results.json} this experiment wrote. */
  public static List<RunResult> readRuns(Path resultsJson) throws IOException {
    JsonMapper json = JsonMapper.builder().build();
    JsonNode runs = json.readTree(resultsJson.toFile()).get("runs");
    if (runs == null || !runs.isArray()) {
      throw new IOException(resultsJson + ": no array field 'runs' (not a SecFPP results.json)");
    }
    List<RunResult> out = new ArrayList<>();
    for (JsonNode r : runs) {
      out.add(json.treeToValue(r, RunResult.class));
    }
    return out;
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
    List<RunResult> results = new ArrayList<>(previous);
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
        String setting = s.getKey();
        if (previous.stream()
            .noneMatch(
                r ->
                    r.setting().equals(setting)
                        && r.seed() == seed
                        && r.method().equals(MajorityBaseline.NAME))) {
          results.add(
              MajorityBaseline.run(
                  setting, seed, s.getValue(), domains.getOrDefault(setting, List.of())));
        }
        List<Object[]> runs = new ArrayList<>();
        if (methods.contains(SecFppMethod.LOCAL)) {
          runs.add(new Object[] {SecFppMethod.LOCAL, 0.0});
        }
        if (methods.contains(SecFppMethod.FEDAVG)) {
          runs.add(new Object[] {SecFppMethod.FEDAVG, 0.0});
        }
        if (methods.contains(SecFppMethod.DP)) {
          for (double e : preset.epsilons()) {
            runs.add(new Object[] {SecFppMethod.DP, e});
          }
        }
        if (methods.contains(SecFppMethod.SECFPP)) {
          runs.add(new Object[] {SecFppMethod.SECFPP, 0.0});
        }
        if (methods.contains(SecFppMethod.SECFPP_DATA) && domains.containsKey(setting)) {
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
