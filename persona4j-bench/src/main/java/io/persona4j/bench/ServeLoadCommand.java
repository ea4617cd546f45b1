/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench serve-load}: a load generator for {@code persona4j serve}, meant to run in its
 * own process: {@code --concurrency} clients, each sending its next streamed completion as soon as
 * the previous one ends, until {@code --requests} are done; request i goes to user {@code u(i mod
 * adapters)} (no user with {@code --adapters 0}: the base model). Prints one JSON object: generated
 * tokens/s over the run, latency and time-to-first-token percentiles, errors.
 */
@Command(
    name = "serve-load",
    mixinStandardHelpOptions = true,
    description = "Closed-loop load on a persona4j server (streamed completions); prints JSON.")
final class ServeLoadCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--url", required = true, description = "Server base URL.")
  String url;

  @Option(names = "--model", defaultValue = "bench", description = "Model id.")
  String model;

  @Option(names = "--concurrency", defaultValue = "32", description = "Concurrent clients.")
  int concurrency;

  @Option(names = "--requests", defaultValue = "128", description = "Requests in all.")
  int requests;

  @Option(
      names = "--adapters",
      defaultValue = "0",
      description = "Distinct users u0..u(K-1) to spread requests over (0: base model).")
  int adapters;

  @Option(names = "--user-offset", defaultValue = "0", description = "First user index.")
  int userOffset;

  @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens per request.")
  int maxTokens;

  @Option(names = "--prompt-words", defaultValue = "12", description = "Words per prompt.")
  int promptWords;

  record Sample(double latency, double ttft, int tokens, boolean ok) {}

  @Override
  public Integer call() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    AtomicInteger next = new AtomicInteger();
    List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
    long t0 = System.nanoTime();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int c = 0; c < concurrency; c++) {
        fs.add(
            clients.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    samples.add(one(http, i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    List<Sample> ok = samples.stream().filter(Sample::ok).toList();
    long tokens = ok.stream().mapToLong(Sample::tokens).sum();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("requests", samples.size());
    out.put("errors", samples.size() - ok.size());
    out.put("concurrency", concurrency);
    out.put("adapters", adapters);
    out.put("wall_seconds", wall);
    out.put("generated_tokens", tokens);
    out.put("tokens_per_second", tokens / wall);
    double[] lat = ok.stream().mapToDouble(Sample::latency).sorted().toArray();
    double[] ttft = ok.stream().mapToDouble(Sample::ttft).sorted().toArray();
    out.put("latency_p50", percentile(lat, 50));
    out.put("latency_p90", percentile(lat, 90));
    out.put("latency_p99", percentile(lat, 99));
    out.put("ttft_p50", percentile(ttft, 50));
    out.put("ttft_p99", percentile(ttft, 99));
    System.out.println(JSON.writeValueAsString(out));
    return 0;
  }

  private Sample one(HttpClient http, int i) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    StringBuilder prompt = new StringBuilder("Request " + i + ":");
    for (int w = 0; w < promptWords; w++) {
      prompt.append(' ').append(WORDS[(i * 7 + w) % WORDS.length]);
    }
    body.put("prompt", prompt.toString());
    body.put("max_tokens", maxTokens);
    body.put("temperature", 0);
    body.put("stream", true);
    body.put("stream_options", Map.of("include_usage", true));
    if (adapters > 0) {
      body.put("user", "u" + (userOffset + i % adapters));
    }
    long start = System.nanoTime();
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
              .timeout(Duration.ofMinutes(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
              .build();
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        r.body().close();
        return new Sample(0, 0, 0, false);
      }
      long first = 0;
      int tokens = 0;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
            continue;
          }
          JsonNode j = JSON.readTree(line.substring(6));
          if (first == 0 && j.path("choices").size() > 0) {
            first = System.nanoTime();
          }
          if (j.has("usage")) {
            tokens = j.path("usage").path("completion_tokens").asInt();
          }
        }
      }
      long end = System.nanoTime();
      return new Sample(
          (end - start) / 1e9, ((first == 0 ? end : first) - start) / 1e9, tokens, true);
    } catch (Exception e) {
      return new Sample(0, 0, 0, false);
    }
  }

  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int k = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
  }

  private static final String[] WORDS =
      "the quick brown fox jumps over a lazy dog while seven users ask about their favorite books and cities"
          .split(" ");

  static double[] sorted(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }
}
