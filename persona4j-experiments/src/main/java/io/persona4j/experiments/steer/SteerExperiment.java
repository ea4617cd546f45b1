/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.JsonFiles;
import io.persona4j.core.train.Pretraining;
import io.persona4j.core.train.ProgressListener;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.SteeredGenerator;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.InProcessCloudConnector;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The CoSteer experiment ({@code persona4j steer experiment}): a cloud/device Llama pair sharing
 * one tokenizer, pre-trained here on text built from the data (with the private context in some
 * documents and not in others); then, per seed, every row of {@link Row#all} answers task 1 ({@link
 * MovieTask}) and task 2 ({@link ReviewTask}); steered rows run through the real protocol in one
 * process ({@link InProcessCloudConnector}: the same state machines and messages as over gRPC).
 * {@link SteerReport} aggregates.
 */
public final class SteerExperiment {
  /**
   * Inputs of a run.
   *
   * @param jobs seeds run at once, each on its own thread with its own pair of models (1: one after
   *     another); a seed computes the same whichever other seeds run beside it
   */
  public record Settings(
      SteerPreset preset,
      Path movielens,
      Path reviews,
      Path retriever,
      Path out,
      PrintStream log,
      int jobs) {
    public Settings {
      if (jobs < 1) {
        throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
      }
    }

    /** One seed after another. */
    public Settings(
        SteerPreset preset,
        Path movielens,
        Path reviews,
        Path retriever,
        Path out,
        PrintStream log) {
      this(preset, movielens, reviews, retriever, out, log, 1);
    }
  }

  /** What one seed produced. */
  private record SeedOutcome(
      ModelInfo cloud, ModelInfo device, List<ExampleResult> results, long corpusTokens) {}

  /** What pre-training produced for one model of one seed. */
  public record ModelInfo(
      String role, int seed, long parameters, double firstLoss, double finalLoss, double seconds) {}

  /** Everything a run produced. */
  public record Outcome(
      SteerPreset preset,
      List<Row> rows,
      List<ExampleResult> results,
      List<ModelInfo> models,
      int corpusDocuments,
      long corpusTokens,
      int movieTests,
      int reviewTests,
      int embeddedItems,
      double judgeAccuracy,
      double seconds) {}

  private SteerExperiment() {}

  /** Runs the experiment. */
  public static Outcome run(Settings s) throws IOException, InterruptedException {
    long start = System.nanoTime();
    SteerPreset preset = s.preset();
    PrintStream log = s.log();
    Files.createDirectories(s.out());
    MovieTask movies;
    try (MiniLm minilm =
        s.retriever() != null
            ? MiniLm.load(s.retriever())
            : MiniLm.fromClassPath(s.out().resolve("minilm"))) {
      log.printf("steer experiment: retriever all-MiniLM-L6-v2 from %s%n", minilm.dir());
      movies = MovieTask.build(s.movielens(), minilm, preset, 0);
    }
    ReviewTask reviews = ReviewTask.build(s.reviews(), preset, 0);
    List<String> corpus = new ArrayList<>(movies.corpus());
    corpus.addAll(reviews.corpus());
    MovieTask.shuffle(corpus, new SplittableRandom(0));
    writeCorpus(corpus, s.out().resolve("corpus.jsonl"));
    log.printf(
        "steer experiment: %d corpus documents (%d MovieLens, %d reviews), %d + %d test points,"
            + " %d items embedded, sentiment judge test accuracy %.3f%n",
        corpus.size(),
        movies.corpus().size(),
        reviews.corpus().size(),
        movies.tests().size(),
        reviews.tests().size(),
        movies.embeddedItems(),
        reviews.judgeAccuracy());
    List<Row> rows = Row.all(preset.topKs());
    List<ExampleResult> results = new ArrayList<>();
    List<ModelInfo> models = new ArrayList<>();
    long corpusTokens = 0;
    int threads = Math.min(s.jobs(), preset.seeds());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "steer-experiment-seed");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<SeedOutcome>> seeds = new ArrayList<>();
      for (int seed = 1; seed <= preset.seeds(); seed++) {
        int sd = seed;
        seeds.add(pool.submit(() -> runSeed(s, sd, corpus, rows, movies, reviews)));
      }
      for (Future<SeedOutcome> f : seeds) {
        SeedOutcome o;
        try {
          o = f.get();
        } catch (ExecutionException e) {
          seeds.forEach(x -> x.cancel(true));
          Throwable c = e.getCause();
          if (c instanceof IOException io) {
            throw io;
          }
          if (c instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(c);
        }
        models.add(o.cloud());
        models.add(o.device());
        results.addAll(o.results());
        if (corpusTokens == 0) {
          corpusTokens = o.corpusTokens();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new Outcome(
        preset,
        rows,
        results,
        models,
        corpus.size(),
        corpusTokens,
        movies.tests().size(),
        reviews.tests().size(),
        movies.embeddedItems(),
        reviews.judgeAccuracy(),
        (System.nanoTime() - start) / 1e9);
  }

  /** Pre-trains (or reuses) one seed's pair and answers every test point with every row. */
  private static SeedOutcome runSeed(
      Settings s,
      int seed,
      List<String> corpus,
      List<Row> rows,
      MovieTask movies,
      ReviewTask reviews)
      throws IOException, InterruptedException {
    SteerPreset preset = s.preset();
    PrintStream log = s.log();
    Path dir = s.out().resolve("seed-" + seed);
    ModelInfo cloudInfo =
        pretrain("cloud", preset.cloud(), preset, corpus, dir.resolve("cloud"), seed, log);
    ModelInfo deviceInfo =
        pretrain("device", preset.device(), preset, corpus, dir.resolve("device"), seed, log);
    if (!Arrays.equals(
        Files.readAllBytes(dir.resolve("cloud/tokenizer.json")),
        Files.readAllBytes(dir.resolve("device/tokenizer.json")))) {
      throw new IllegalStateException("the pair of seed " + seed + " does not share its tokenizer");
    }
    try (NDManager m = TensorRuntime.newManager();
        SteerModel cloud = SteerModel.load(dir.resolve("cloud"), m);
        SteerModel device = SteerModel.load(dir.resolve("device"), m);
        CloudService service =
            new CloudService(cloud, CloudServerConfig.builder().optBatching(false).build(), null);
        SteeredGenerator g =
            new SteeredGenerator(
                device,
                new InProcessCloudConnector(service, new CloudConnector.Credentials("exp", "")));
        Writer predictions =
            Files.newBufferedWriter(dir.resolve("predictions.jsonl"), StandardCharsets.UTF_8)) {
      long tokens = seed == 1 ? countTokens(cloud, corpus) : 0;
      SteerRunner r = new SteerRunner(cloud, device, g, rows, seed, predictions, log, m);
      r.movies(movies, preset);
      r.reviews(reviews, preset);
      return new SeedOutcome(cloudInfo, deviceInfo, r.results(), tokens);
    }
  }

  /** Pre-trains one model of the pair, or reuses a finished one with the same settings. */
  static ModelInfo pretrain(
      String role,
      SteerPreset.Model shape,
      SteerPreset preset,
      List<String> corpus,
      Path dir,
      int seed,
      PrintStream log)
      throws IOException {
    Pretraining.Config c =
        new Pretraining.Config(
            "llama",
            shape.layers(),
            shape.hidden(),
            shape.heads(),
            shape.kvHeads(),
            preset.vocab(),
            ChatFormat.SPECIALS,
            preset.maxLen(),
            shape.steps(),
            shape.batch(),
            shape.lr(),
            Math.max(1, shape.steps() / 20),
            seed * 1000L + (role.equals("cloud") ? 1 : 2));
    Path record = dir.resolve("pretraining.json");
    Path corpusHash = dir.resolve("corpus.sha256");
    String hash = Integer.toHexString(corpus.hashCode());
    if (Files.isRegularFile(record)
        && Files.isRegularFile(corpusHash)
        && Files.readString(corpusHash).equals(hash)) {
      var node = JsonFiles.readObject(record);
      if (node.path("steps").asLong() == c.maxSteps()
          && node.path("hidden").asInt() == c.hidden()
          && node.path("layers").asInt() == c.layers()
          && node.path("seed").asLong() == c.seed()
          && node.path("vocab").asInt() == c.vocab()) {
        log.printf("seed %d: reusing the pre-trained %s model in %s%n", seed, role, dir);
        return new ModelInfo(
            role,
            seed,
            parameters(dir),
            node.path("first_loss").asDouble(),
            node.path("final_loss").asDouble(),
            node.path("seconds").asDouble());
      }
    }
    log.printf(
        "seed %d: pre-training the %s model (%d layers, hidden %d, %d steps of %d windows)%n",
        seed, role, shape.layers(), shape.hidden(), shape.steps(), shape.batch());
    Pretraining.Result r = Pretraining.run(c, corpus, dir, List.of(ProgressListener.auto()));
    ChatFormat.install(dir);
    Files.writeString(corpusHash, hash);
    log.printf(
        "seed %d: %s model loss %.3f -> %.3f in %.0f s%n",
        seed, role, r.firstLoss(), r.finalLoss(), r.seconds());
    return new ModelInfo(role, seed, parameters(dir), r.firstLoss(), r.finalLoss(), r.seconds());
  }

  private static long parameters(Path dir) throws IOException {
    return ((io.persona4j.core.config.LlamaConfig) io.persona4j.core.config.ModelConfigs.load(dir))
        .parameterCount();
  }

  private static long countTokens(SteerModel model, List<String> corpus) {
    long n = 0;
    for (long[] ids : model.tokenizer().encodeAll(corpus, true)) {
      n += ids.length + 1;
    }
    return n;
  }

  private static void writeCorpus(List<String> corpus, Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (String d : corpus) {
        w.write(json.writeValueAsString(Map.of("text", d)));
        w.write('\n');
      }
    }
  }

  /** 1 when the target scores strictly above every other candidate, else 0 (ties count against). */
  static double hitAt1(double[] scores, int target) {
    for (int k = 0; k < scores.length; k++) {
      if (k != target && scores[k] >= scores[target]) {
        return 0;
      }
    }
    return 1;
  }
}
