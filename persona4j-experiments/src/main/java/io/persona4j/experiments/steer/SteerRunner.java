/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.steer.SteerConfig;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.SteerParams;
import io.persona4j.steer.SteerResult;
import io.persona4j.steer.SteeredGenerator;
import io.persona4j.steer.SteeringRule;
import io.persona4j.steer.StepListener;
import io.persona4j.steer.wire.WireFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One seed's pair answering both tasks with every row: steered rows (and the cloud without context)
 * through the real protocol ({@link SteeredGenerator}), the device and the cloud with context by
 * plain greedy generation, task 1's candidates scored by {@link CandidateScorer}; every answer
 * scored and written to {@code predictions.jsonl}.
 */
final class SteerRunner {

  private final SteerModel cloud;
  private final SteerModel device;
  private final SteeredGenerator generator;
  private final List<Row> rows;
  private final int seed;
  private final Writer predictions;
  private final PrintStream log;
  private final NDManager manager;
  private final List<ExampleResult> results = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();
  private final Set<Long> stops;

  SteerRunner(
      SteerModel cloud,
      SteerModel device,
      SteeredGenerator generator,
      List<Row> rows,
      int seed,
      Writer predictions,
      PrintStream log,
      NDManager manager) {
    this.cloud = cloud;
    this.device = device;
    this.generator = generator;
    this.rows = rows;
    this.seed = seed;
    this.predictions = predictions;
    this.log = log;
    this.manager = manager;
    this.stops = new HashSet<>();
    for (long e : cloud.vocabulary().eosIds()) {
      stops.add(e);
    }
  }

  void movies(MovieTask task, SteerPreset preset) throws IOException, InterruptedException {
    CandidateScorer scorer =
        new CandidateScorer(cloud.model(), device.model(), cloud.vocabulary().size());
    long t0 = System.nanoTime();
    List<MovieTask.Example> tests = task.tests();
    for (int i = 0; i < tests.size(); i++) {
      MovieTask.Example e = tests.get(i);
      List<long[]> candIds = candidateIds(task, e);
      int longest = candIds.stream().mapToInt(c -> c.length).max().orElseThrow();
      // the most relevant items that fit the models' positions with the answer (a retrieval
      // budget, as any context window imposes)
      int items = e.context().length;
      String p = task.personalized(e, items);
      while (items > 1
          && cloud.promptIds(ChatFormat.SYSTEM, p, false).length
                  + Math.max(preset.movieMaxTokens(), longest)
              > Math.min(cloud.maxPositions(), device.maxPositions())) {
        p = task.personalized(e, --items);
      }
      contextItems += items;
      Map<String, Answer> answers = answerAll(MovieTask.QUERY, p, preset.movieMaxTokens());
      int targetAt = targetIndex;
      Map<String, double[]> ll =
          scorer.score(
              cloud.promptIds(ChatFormat.SYSTEM, MovieTask.QUERY, false),
              device.promptIds(ChatFormat.SYSTEM, p, false),
              device.promptIds(ChatFormat.SYSTEM, MovieTask.QUERY, false),
              cloud.promptIds(ChatFormat.SYSTEM, p, false),
              candIds,
              rows,
              manager);
      for (Row row : rows) {
        Answer a = answers.get(row.key());
        Map<String, Double> metrics = new LinkedHashMap<>(task.score(e, a.text));
        double[] sum = ll.get(row.key());
        double[] perToken = new double[sum.length];
        for (int k = 0; k < sum.length; k++) {
          perToken[k] = sum[k] / candIds.get(k).length;
        }
        metrics.put("hr1", SteerExperiment.hitAt1(sum, targetAt));
        metrics.put("hr1Token", SteerExperiment.hitAt1(perToken, targetAt));
        metrics.put("contextItems", (double) items);
        record("movies", row, i, a, metrics, Map.of("target", task.title(e.target())));
      }
      progress("movies", i + 1, tests.size(), t0);
    }
  }

  void reviews(ReviewTask task, SteerPreset preset) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    List<ReviewTask.Example> tests = task.tests();
    for (int i = 0; i < tests.size(); i++) {
      ReviewTask.Example e = tests.get(i);
      Map<String, Answer> answers =
          answerAll(task.query(e), task.personalized(e), preset.reviewMaxTokens());
      for (Row row : rows) {
        Answer a = answers.get(row.key());
        record(
            "reviews",
            row,
            i,
            a,
            task.score(e, a.text),
            Map.of("preference", e.preference().name().toLowerCase(java.util.Locale.ROOT)));
      }
      progress("reviews", i + 1, tests.size(), t0);
    }
  }

  private int targetIndex;
  private long contextItems;

  /** The 20 candidates' title ids with EOS; sets {@link #targetIndex}. */
  private List<long[]> candidateIds(MovieTask task, MovieTask.Example e) {
    int[] cands = task.candidates(e, new SplittableRandom(seed * 1_000_003L + e.user()));
    List<long[]> out = new ArrayList<>();
    for (int k = 0; k < cands.length; k++) {
      long[] ids = cloud.tokenizer().encode(task.title(cands[k]), false);
      long[] withEos = Arrays.copyOf(ids, ids.length + 1);
      withEos[ids.length] = cloud.vocabulary().eosIds()[0];
      out.add(withEos);
      if (cands[k] == e.target()) {
        targetIndex = k;
      }
    }
    return out;
  }

  /** Context items used per test point of task 1, on average (5 unless a prompt was too long). */
  double meanContextItems(int tests) {
    return tests == 0 ? 0 : contextItems / (double) tests;
  }

  private record Answer(String text, long[] tokens, double steered) {}

  private Map<String, Answer> answerAll(String query, String personalized, int maxTokens)
      throws InterruptedException {
    Map<String, Answer> out = new LinkedHashMap<>();
    SteerConfig base =
        SteerConfig.builder().optMaxNewTokens(maxTokens).optSystemPrompt(ChatFormat.SYSTEM).build();
    SteeringRule closed = SteeringRule.closedForm(SteerParams.DEFAULTS);
    for (Row row : rows) {
      out.put(
          row.key(),
          switch (row.kind()) {
            case CLOUD -> steer(query, personalized, base.withCloudOnly(true));
            case DEVICE_CTX -> plain(device, personalized, maxTokens);
            case CLOUD_CTX -> plain(cloud, personalized, maxTokens);
            case COSTEER -> steer(query, personalized, base);
            case CLOSED_FORM -> steer(query, personalized, base.withRule(closed));
            case FIXED_C1 -> steer(query, personalized, base.withRule(SteeringRule.fixed(1)));
            case ADA -> steer(query, personalized, base.withAda(0.1, 3));
            case TOPK ->
                steer(
                    query, personalized, base.withRule(closed).withWire(WireFormat.topK(row.k())));
          });
    }
    return out;
  }

  private Answer steer(String query, String personalized, SteerConfig cfg)
      throws InterruptedException {
    SteerResult r = generator.generate(query, personalized, cfg, StepListener.NONE);
    return new Answer(r.text().strip(), r.tokens(), cfg.cloudOnly() ? 0 : r.steeredShare());
  }

  private Answer plain(SteerModel model, String personalized, int maxTokens) {
    long[] prompt = model.promptIds(ChatFormat.SYSTEM, personalized, false);
    GenerationResult r =
        new Generator(model.model())
            .generate(List.of(prompt), SamplingConfig.greedy(maxTokens, stops), (row, tok) -> {});
    long[] tokens = r.tokens().get(0);
    return new Answer(model.tokenizer().decode(tokens, true).strip(), tokens, 0);
  }

  private void record(
      String taskName,
      Row row,
      int example,
      Answer a,
      Map<String, Double> metrics,
      Map<String, String> extra)
      throws IOException {
    results.add(
        new ExampleResult(
            taskName, seed, row.key(), example, a.text, a.tokens, a.steered, metrics));
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("task", taskName);
    line.put("example", example);
    line.put("row", row.key());
    line.putAll(extra);
    line.put("answer", a.text);
    line.put("steered_share", a.steered);
    line.put("metrics", metrics);
    predictions.write(json.writeValueAsString(line));
    predictions.write('\n');
  }

  private void progress(String task, int done, int total, long t0) {
    if (done == total || done % Math.max(1, total / 5) == 0) {
      log.printf(
          "seed %d: %s %d/%d test points (%.0f s)%n",
          seed, task, done, total, (System.nanoTime() - t0) / 1e9);
    }
  }

  List<ExampleResult> results() {
    return results;
  }
}
