/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.adapters.lora.ServingAdapter;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.serve.PersonaServer;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.StoreUserAdapters;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.PublishRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench serve}: serving benchmarks on one machine, the server in this process and the
 * load from a second process on loopback ({@link ServeLoadCommand}).
 *
 * <ul>
 *   <li>Throughput (generated tokens/s) under a fixed closed-loop load with 1, 10, 100, 1,000
 *       distinct users' adapters, each adapter loaded beforehand (steady state), vs the base model
 *       on the same load (measured first and last: the spread shows the machine's drift).
 *   <li>Latency p50/p99 and time to first token of those runs.
 *   <li>Time to first token of a cold adapter (in the store, not cached: fetch + load + prefill) vs
 *       a warm one, with the server otherwise idle.
 *   <li>Memory per cached adapter (its arrays, and the process RSS growth over 100 loads) vs its
 *       file size.
 * </ul>
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serving: throughput with 1..1000 adapters vs base, latency, cold/warm TTFT.")
final class ServeBenchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Users whose cold and warm requests compile the adapter paths before the timed ones. */
  private static final int WARM_UP_USERS = 4;

  @Option(names = "--dir", defaultValue = "target/bench-serve", description = "Work directory.")
  Path dir;

  @Option(
      names = "--model",
      defaultValue = "bench",
      description = "bench (~100M, as bin/bench decode) or small (4 layers, hidden 256).")
  String modelSize;

  @Option(
      names = "--adapters",
      split = ",",
      defaultValue = "1,10,100,1000",
      description = "Distinct adapters per run (default ${DEFAULT-VALUE}).")
  List<Integer> adapterCounts;

  @Option(names = "--rank", defaultValue = "8", description = "LoRA rank.")
  int rank;

  @Option(
      names = "--targets",
      split = ",",
      defaultValue = "q_proj,v_proj",
      description = "LoRA target modules (default ${DEFAULT-VALUE}, PEFT's default for Llama).")
  List<String> targets;

  @Option(names = "--concurrency", defaultValue = "32", description = "Concurrent clients.")
  int concurrency;

  @Option(names = "--requests", defaultValue = "128", description = "Requests per run.")
  int requests;

  @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens per request.")
  int maxTokens;

  @Option(names = "--max-batch", defaultValue = "16", description = "Server's --max-batch.")
  int maxBatch;

  @Option(
      names = "--cold",
      defaultValue = "16",
      description = "Users timed cold then warm on the idle server (default ${DEFAULT-VALUE}).")
  int coldSamples;

  @Option(
      names = "--phases",
      split = ",",
      defaultValue = "memory,ttft,load",
      description =
          "What to measure (default ${DEFAULT-VALUE}): memory per adapter, cold/warm time to first"
              + " token on the idle server, throughput and latency under load.")
  List<String> phases;

  @Option(
      names = "--rounds",
      defaultValue = "1",
      description =
          "Rounds of the runs; even rounds go in reverse order (base, 1, ..., 1000, then 1000, ...,"
              + " base), so drift of a shared machine shows as the spread between rounds.")
  int rounds;

  @Option(names = "--json", description = "Write the results here too.")
  Path json;

  @Override
  public Integer call() throws Exception {
    int maxK = adapterCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
    for (String ph : phases) {
      if (!List.of("memory", "ttft", "load").contains(ph)) {
        throw new IllegalArgumentException(
            "--phases: unknown phase '" + ph + "' (memory, ttft, load)");
      }
    }
    int users = maxK + coldSamples + WARM_UP_USERS; // the last ones warm up the cold-load path
    Path model = ensureModel();
    Path adapters = ensureAdapters(model, users);
    String url = "jdbc:sqlite:" + dir.resolve("store.db").toAbsolutePath();
    ensurePublished(url, model, adapters, users);
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("machine", Machine.describe());
    results.put(
        "setup",
        Map.of(
            "model", modelSize,
            "rank", rank,
            "targets", targets,
            "concurrency", concurrency,
            "requests", requests,
            "max_tokens", maxTokens,
            "max_batch", maxBatch));
    try (StoreUserAdapters source =
            new StoreUserAdapters(AdapterStore.open(url), AdapterKind.LORA, true);
        PersonaServer server =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(source)
                .optPort(0)
                .optModelId("bench")
                .optMaxBatch(maxBatch)
                .optMaxQueue(4 * concurrency + 16)
                .optMaxTokens(Math.max(maxTokens, 64))
                .optMaxSequenceLength(512)
                .optAdapterCacheBytes(64L << 30)
                .start()) {
      System.err.printf("bench serve: server at %s, %d users in the store%n", server.url(), users);
      if (phases.contains("memory")) {
        results.put("memory", memory(server, source, adapters, Math.min(100, maxK)));
      }
      if (phases.contains("ttft")) {
        results.put("ttft", coldWarm(server, source, maxK, coldSamples));
      }
      if (phases.contains("load")) {
        results.put("runs", loadRuns(server, source));
      }
    }
    print(results);
    if (json != null) {
      Json.write(json, results);
    }
    return 0;
  }

  /** The load runs: base, 1..1000 adapters, base; even rounds in reverse order. */
  private List<Map<String, Object>> loadRuns(PersonaServer server, StoreUserAdapters source)
      throws Exception {
    List<Integer> order = new ArrayList<>();
    order.add(0);
    order.addAll(adapterCounts);
    order.add(0);
    List<Map<String, Object>> runs = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      List<Integer> o = new ArrayList<>(order);
      if (round % 2 == 1) {
        java.util.Collections.reverse(o);
      }
      for (int k : o.subList(round == 0 ? 0 : 1, o.size())) {
        Map<String, Object> r = load(server, source, k);
        r.put("round", round + 1);
        runs.add(r);
      }
    }
    return runs;
  }

  private LlamaConfig config() {
    return switch (modelSize) {
      case "bench" -> BenchCheckpoint.config();
      case "small" -> ModelInit.decoderConfig("llama", 4, 256, 8, 4, 2048, 0, 512);
      default -> throw new IllegalArgumentException("--model must be bench or small: " + modelSize);
    };
  }

  private Path ensureModel() throws Exception {
    return BenchCheckpoint.ensure(dir.resolve("model-" + modelSize), config());
  }

  /** Random rank-r adapters u0..u(n-1), written once (reused when their marker matches). */
  private Path ensureAdapters(Path model, int n) throws Exception {
    Path root =
        dir.resolve("adapters-" + modelSize + "-r" + rank + "-" + String.join("+", targets));
    Files.createDirectories(root);
    LoraConfig cfg =
        LoraConfig.builder()
            .optR(rank)
            .optAlpha(2.0 * rank)
            .optTargets(targets.toArray(String[]::new))
            .build();
    int made = 0;
    long t0 = System.nanoTime();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m)) {
      for (int i = 0; i < n; i++) {
        Path d = root.resolve("u" + i);
        if (Files.isRegularFile(d.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
          continue;
        }
        try (LoraModel lora = LoraModel.of(lm, m)) {
          lora.add("a", cfg, i);
          SplittableRandom r = new SplittableRandom(1000 + i);
          for (LoraUnit u : lora.units("a").values()) {
            try (NDManager tmp = m.newSubManager()) {
              u.assign(uniform(tmp, r, u.a(), 0.05), uniform(tmp, r, u.b(), 0.05));
            }
          }
          lora.save("a", d);
        }
        made++;
      }
    }
    if (made > 0) {
      System.err.printf(
          "bench serve: wrote %d adapters in %.1f s to %s%n",
          made, (System.nanoTime() - t0) / 1e9, root);
    }
    return root;
  }

  private static NDArray uniform(NDManager m, SplittableRandom r, NDArray like, double scale) {
    float[] v = new float[Math.toIntExact(like.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (scale * (2 * r.nextDouble() - 1));
    }
    return m.create(v, like.getShape());
  }

  private void ensurePublished(String url, Path model, Path adapters, int n) throws Exception {
    BaseModel base = BaseModel.of(model);
    long t0 = System.nanoTime();
    int published = 0;
    try (AdapterStore store = AdapterStore.open(url)) {
      for (int i = 0; i < n; i++) {
        if (store.activeVersion("u" + i, AdapterKind.LORA).isPresent()) {
          continue;
        }
        store.publish(
            PublishRequest.builder()
                .setUserId("u" + i)
                .setDirectory(adapters.resolve("u" + i))
                .setBaseModel(base)
                .optKind(AdapterKind.LORA)
                .build());
        published++;
      }
    }
    if (published > 0) {
      System.err.printf(
          "bench serve: published %d adapters in %.1f s%n",
          published, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** Bytes of one adapter in memory vs on disk, and RSS growth over loading {@code n}. */
  private Map<String, Object> memory(
      PersonaServer server, StoreUserAdapters source, Path adapters, int n) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    long file = Files.size(adapters.resolve("u0").resolve(PeftAdapterFiles.WEIGHTS_FILE));
    long cfg = Files.size(adapters.resolve("u0").resolve("adapter_config.json"));
    try (NDManager m = TensorRuntime.newManager()) {
      ServingAdapter sa =
          ServingAdapter.load(server.decoder().model(), adapters.resolve("u0"), "probe", m);
      out.put("adapter_array_bytes", sa.bytes());
      sa.close();
    }
    out.put("adapter_safetensors_bytes", file);
    out.put("adapter_config_bytes", cfg);
    System.gc();
    double before = Rss.currentMib();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      server.cache().acquire(ref(source, i), Duration.ofMinutes(5)).close();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.gc();
    double after = Rss.currentMib();
    out.put("loaded", n);
    out.put("cache_bytes", server.cache().bytes());
    out.put("rss_growth_mib", after - before);
    out.put("rss_growth_per_adapter_bytes", (after - before) * 1024 * 1024 / n);
    out.put("load_seconds_mean", seconds / n);
    return out;
  }

  private static AdapterRef ref(StoreUserAdapters source, int i) throws Exception {
    return source.active("u" + i).orElseThrow();
  }

  /**
   * Time to first token on the idle server, paired per user: for each of {@code n} users whose
   * adapter is only in the store, a 1-token completion (cold: fetch, verify and load the adapter,
   * then prefill), the same request again (warm), then the base model. {@code cold - warm} per user
   * is what a cold adapter costs a first token, with a 95% interval over users. The server's own
   * histogram sums (exact, not bucketed) give its mean time to first token per kind and its mean
   * adapter load time over the same requests.
   */
  private Map<String, Object> coldWarm(
      PersonaServer server, StoreUserAdapters source, int firstUser, int n) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String url = server.url();
    // Compile the request path and the adapter paths before timing: base requests, then cold, warm
    // and base requests of users outside the timed ones.
    for (int i = 0; i < 3; i++) {
      ttft(http, url, null);
    }
    for (int i = 0; i < WARM_UP_USERS; i++) {
      ttft(http, url, "u" + (firstUser + n + i));
      ttft(http, url, "u" + (firstUser + n + i));
      ttft(http, url, null);
    }
    String before = scrape(http, url);
    double[] cold = new double[n];
    double[] warm = new double[n];
    double[] base = new double[n];
    double[] coldMinusWarm = new double[n];
    for (int i = 0; i < n; i++) {
      String user = "u" + (firstUser + i);
      if (server.cache().isLoaded(source.active(user).orElseThrow())) {
        throw new IllegalStateException(user + "'s adapter is cached already: not a cold start");
      }
      cold[i] = ttft(http, url, user);
      warm[i] = ttft(http, url, user);
      base[i] = ttft(http, url, null);
      coldMinusWarm[i] = cold[i] - warm[i];
    }
    String after = scrape(http, url);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("samples", n);
    out.put("cold_median", median(cold));
    out.put("warm_median", median(warm));
    out.put("base_median", median(base));
    out.put("cold_fastest", Arrays.stream(cold).min().orElse(Double.NaN));
    out.put("warm_fastest", Arrays.stream(warm).min().orElse(Double.NaN));
    out.put("base_fastest", Arrays.stream(base).min().orElse(Double.NaN));
    out.put("cold_mean", ServeEngineBenchCommand.meanCi(cold)[0]);
    out.put("warm_mean", ServeEngineBenchCommand.meanCi(warm)[0]);
    out.put("base_mean", ServeEngineBenchCommand.meanCi(base)[0]);
    double[] d = ServeEngineBenchCommand.meanCi(coldMinusWarm);
    out.put("cold_minus_warm_mean", d[0]);
    out.put("cold_minus_warm_ci95", new double[] {d[1], d[2]});
    out.put("cold_minus_warm_median", median(coldMinusWarm));
    for (String kind : List.of("cold", "warm", "base")) {
      String series = "persona4j_time_to_first_token_seconds_%s{adapter=\"" + kind + "\"}";
      out.put(
          "server_ttft_mean_" + kind,
          delta(before, after, series.formatted("sum"))
              / delta(before, after, series.formatted("count")));
    }
    out.put(
        "server_load_mean",
        delta(before, after, "persona4j_adapter_load_duration_seconds_sum")
            / delta(before, after, "persona4j_adapter_load_duration_seconds_count"));
    out.put("server_loads", delta(before, after, "persona4j_adapter_load_duration_seconds_count"));
    out.put("cold", cold);
    out.put("warm", warm);
    out.put("base", base);
    return out;
  }

  /**
   * Time to first token of one request on an idle server: a non-streamed 1-token completion (its
   * latency is the prefill, the first token and the response), over a kept-alive connection.
   * Streamed text is not used for this: a random-weight model's tokens often decode to no visible
   * text, which would delay the first chunk long past the first token.
   */
  private static double ttft(HttpClient http, String url, String user) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "bench");
    body.put("prompt", "The quick brown fox jumps over the lazy dog");
    body.put("max_tokens", 1);
    body.put("temperature", 0);
    if (user != null) {
      body.put("user", user);
    }
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (r.statusCode() != 200) {
      throw new IllegalStateException("TTFT request failed: " + r.body());
    }
    return seconds;
  }

  private static String scrape(HttpClient http, String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The sum of every series of {@code name}, whatever its labels. */
  private static double sumOverLabels(String text, String name) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*\\} (\\S+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  private static double delta(String before, String after, String series) {
    return value(after, series) - value(before, series);
  }

  /** Bucket counts of the server's time-to-first-token histogram, summed over its labels. */
  private static TreeMap<Double, Double> ttftBuckets(String url) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    TreeMap<Double, Double> b = new TreeMap<>();
    Matcher m =
        Pattern.compile(
                "(?m)^persona4j_time_to_first_token_seconds_bucket\\{[^}]*le=\"([^\"]+)\"\\} (\\S+)$")
            .matcher(text);
    while (m.find()) {
      double le =
          m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
      b.merge(le, Double.parseDouble(m.group(2)), Double::sum);
    }
    return b;
  }

  /**
   * The server's decode pass time (s) and count, decode rows (sum of batch sizes) and prefill time:
   * how busy the engine was and how full its batches.
   */
  private static double[] forwardStats(String url) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return new double[] {
      value(text, "persona4j_forward_duration_seconds_sum{pass=\"decode\"}"),
      value(text, "persona4j_forward_duration_seconds_count{pass=\"decode\"}"),
      value(text, "persona4j_batch_size_sum{pass=\"decode\"}"),
      value(text, "persona4j_forward_duration_seconds_sum{pass=\"prefill\"}")
    };
  }

  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
  }

  /** A quantile of the requests between two scrapes (cumulative buckets), interpolated. */
  static double quantile(TreeMap<Double, Double> before, TreeMap<Double, Double> after, double q) {
    double total = after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0.0);
    if (total <= 0) {
      return Double.NaN;
    }
    double target = q * total;
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> e : after.entrySet()) {
      double cum = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      if (cum >= target) {
        double upper = e.getKey();
        if (Double.isInfinite(upper)) {
          return lower;
        }
        double inBucket = cum - below;
        return inBucket <= 0 ? upper : lower + (upper - lower) * (target - below) / inBucket;
      }
      lower = e.getKey();
      below = cum;
    }
    return lower;
  }

  /** One closed-loop run from a second process over {@code k} adapters (0: the base model). */
  private Map<String, Object> load(PersonaServer server, StoreUserAdapters source, int k)
      throws Exception {
    for (int i = 0; i < k; i++) { // steady state: every adapter of the run is loaded
      server.cache().acquire(ref(source, i), Duration.ofMinutes(5)).close();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of("-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path")));
    cmd.add(Bench.class.getName());
    cmd.addAll(
        List.of(
            "serve-load",
            "--url",
            server.url(),
            "--concurrency",
            Integer.toString(concurrency),
            "--requests",
            Integer.toString(requests),
            "--adapters",
            Integer.toString(k),
            "--max-tokens",
            Integer.toString(maxTokens)));
    System.err.printf("bench serve: %s ...%n", k == 0 ? "base model" : k + " adapters");
    TreeMap<Double, Double> before = ttftBuckets(server.url());
    String metrics0 = scrape(HttpClient.newHttpClient(), server.url());
    double[] fwd0 = forwardStats(server.url());
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("the load generator failed: " + out);
    }
    String last = out.lines().reduce((a, b) -> b).orElse("{}");
    @SuppressWarnings("unchecked")
    Map<String, Object> r = JSON.readValue(last, Map.class);
    r.put("label", k == 0 ? "base" : k + " adapters");
    // Time to first token from the server (the first token computed, not the first visible text).
    TreeMap<Double, Double> after = ttftBuckets(server.url());
    r.put("client_first_text_p50", r.get("ttft_p50"));
    r.put("ttft_p50", quantile(before, after, 0.5));
    r.put("ttft_p99", quantile(before, after, 0.99));
    // The exact mean from the histogram's sum and count (the quantiles are interpolated in
    // buckets).
    String metrics1 = scrape(HttpClient.newHttpClient(), server.url());
    String ttft = "persona4j_time_to_first_token_seconds_";
    r.put(
        "ttft_mean",
        (sumOverLabels(metrics1, ttft + "sum") - sumOverLabels(metrics0, ttft + "sum"))
            / (sumOverLabels(metrics1, ttft + "count") - sumOverLabels(metrics0, ttft + "count")));
    double[] fwd1 = forwardStats(server.url());
    double steps = fwd1[1] - fwd0[1];
    r.put("decode_steps", steps);
    r.put("decode_ms_per_step", steps == 0 ? Double.NaN : 1000 * (fwd1[0] - fwd0[0]) / steps);
    r.put("rows_per_decode_step", steps == 0 ? Double.NaN : (fwd1[2] - fwd0[2]) / steps);
    r.put("engine_busy_fraction", (fwd1[0] - fwd0[0] + fwd1[3] - fwd0[3]) / d(r, "wall_seconds"));
    System.err.printf(
        "bench serve: %-12s %7.1f tokens/s  p50 %.2f s  p99 %.2f s  ttft p50 %.3f s%n",
        r.get("label"),
        ((Number) r.get("tokens_per_second")).doubleValue(),
        ((Number) r.get("latency_p50")).doubleValue(),
        ((Number) r.get("latency_p99")).doubleValue(),
        ((Number) r.get("ttft_p50")).doubleValue());
    return r;
  }

  @SuppressWarnings("unchecked")
  private static void print(Map<String, Object> results) {
    if (results.containsKey("runs")) {
      printRuns((List<Map<String, Object>>) results.get("runs"));
    }
    Map<String, Object> ttft = (Map<String, Object>) results.get("ttft");
    if (ttft != null) {
      double[] ci = (double[]) ttft.get("cold_minus_warm_ci95");
      System.out.printf(
          "%nTTFT on the idle server, 1-token requests, %s users (client, mean / median s):"
              + " cold %.3f / %.3f, warm %.3f / %.3f, base %.3f / %.3f%n"
              + "fastest of them (the floor on a busy machine): cold %.3f, warm %.3f, base %.3f s%n"
              + "cold - warm, paired per user: mean %+.1f ms [%+.1f, %+.1f] (95%%), median %+.1f"
              + " ms%n"
              + "server's own means: TTFT cold %.3f s, warm %.3f s, base %.3f s; adapter load %.1f"
              + " ms (%.0f loads)%n",
          ttft.get("samples"),
          d(ttft, "cold_mean"),
          d(ttft, "cold_median"),
          d(ttft, "warm_mean"),
          d(ttft, "warm_median"),
          d(ttft, "base_mean"),
          d(ttft, "base_median"),
          d(ttft, "cold_fastest"),
          d(ttft, "warm_fastest"),
          d(ttft, "base_fastest"),
          1000 * d(ttft, "cold_minus_warm_mean"),
          1000 * ci[0],
          1000 * ci[1],
          1000 * d(ttft, "cold_minus_warm_median"),
          d(ttft, "server_ttft_mean_cold"),
          d(ttft, "server_ttft_mean_warm"),
          d(ttft, "server_ttft_mean_base"),
          1000 * d(ttft, "server_load_mean"),
          d(ttft, "server_loads"));
    }
    Map<String, Object> mem = (Map<String, Object>) results.get("memory");
    if (mem != null) {
      System.out.printf(
          "memory per cached adapter: %,d bytes of arrays vs %,d bytes of safetensors; RSS grew %.1f"
              + " MiB over %s loads (%,.0f bytes each); mean load %.1f ms%n",
          ((Number) mem.get("adapter_array_bytes")).longValue(),
          ((Number) mem.get("adapter_safetensors_bytes")).longValue(),
          d(mem, "rss_growth_mib"),
          mem.get("loaded"),
          d(mem, "rss_growth_per_adapter_bytes"),
          1000 * d(mem, "load_seconds_mean"));
    }
  }

  private static void printRuns(List<Map<String, Object>> runs) {
    List<Double> baseRuns =
        runs.stream().filter(r -> "base".equals(r.get("label"))).map(r -> tps(r)).toList();
    double base = baseRuns.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    System.out.printf(
        "%n| round | load | tokens/s | vs base | latency p50 | p99 | TTFT mean | p50 | p99 |"
            + " decode ms/step | rows/step | errors |%n");
    System.out.printf(
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%n");
    Map<String, List<Double>> byLabel = new LinkedHashMap<>();
    for (Map<String, Object> r : runs) {
      double t = tps(r);
      byLabel.computeIfAbsent((String) r.get("label"), l -> new ArrayList<>()).add(t);
      System.out.printf(
          "| %s | %s | %.1f | %.2fx | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.0f | %.1f | %s"
              + " |%n",
          r.get("round"),
          r.get("label"),
          t,
          t / base,
          d(r, "latency_p50"),
          d(r, "latency_p99"),
          d(r, "ttft_mean"),
          d(r, "ttft_p50"),
          d(r, "ttft_p99"),
          d(r, "decode_ms_per_step"),
          d(r, "rows_per_decode_step"),
          r.get("errors"));
    }
    System.out.printf(
        "%nbase model: %d runs %s tokens/s, mean %.1f (the spread is the machine's drift)%n",
        baseRuns.size(), baseRuns, base);
    for (Map.Entry<String, List<Double>> e : byLabel.entrySet()) {
      double mean = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0);
      System.out.printf("%-14s mean %.1f tokens/s = %.2fx base%n", e.getKey(), mean, mean / base);
    }
    if (byLabel.containsKey("10 adapters") && byLabel.containsKey("1000 adapters")) {
      double ten =
          byLabel.get("10 adapters").stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double k =
          byLabel.get("1000 adapters").stream()
              .mapToDouble(Double::doubleValue)
              .average()
              .orElse(0);
      System.out.printf(
          "10 -> 1000 adapters: %.1f%% of the throughput lost%n", 100 * (1 - k / ten));
    }
  }

  private static double tps(Map<String, Object> r) {
    return d(r, "tokens_per_second");
  }

  private static double d(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).doubleValue();
  }

  private static double median(double[] xs) {
    double[] a = xs.clone();
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : a[a.length / 2];
  }
}
