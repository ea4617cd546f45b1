/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import io.persona4j.core.generate.batch.EngineListener;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.AdapterRef;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The server's Prometheus metrics (text exposition at {@code /metrics}): HTTP requests and latency,
 * time to first token, tokens and tokens/s, queue length, batch size and distinct adapters per
 * forward pass, adapter cache hits, misses, evictions, bytes and load latency.
 */
public final class ServeMetrics implements EngineListener, AdapterCache.Listener {
  private static final double[] LATENCY = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60,
    120
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  final Counter requests =
      Counter.builder()
          .name("persona4j_http_requests_total")
          .help("HTTP requests by endpoint and status code")
          .labelNames("endpoint", "status")
          .register(registry);
  final Histogram latency =
      Histogram.builder()
          .name("persona4j_http_request_duration_seconds")
          .help("HTTP request latency (until the last byte of the response)")
          .labelNames("endpoint")
          .classicOnly()
          .classicUpperBounds(LATENCY)
          .register(registry);
  final Histogram timeToFirstToken =
      Histogram.builder()
          .name("persona4j_time_to_first_token_seconds")
          .help("From a generation request's arrival to its first token (adapter load included)")
          .labelNames("adapter")
          .classicOnly()
          .classicUpperBounds(LATENCY)
          .register(registry);
  final Counter promptTokens =
      Counter.builder()
          .name("persona4j_prompt_tokens_total")
          .help("Prompt tokens of generation requests")
          .register(registry);
  final Counter generatedTokens =
      Counter.builder()
          .name("persona4j_generated_tokens_total")
          .help("Tokens generated")
          .register(registry);
  private final Gauge tokensPerSecond =
      Gauge.builder()
          .name("persona4j_generated_tokens_per_second")
          .help("Tokens generated per second over the last decode passes (exponential average)")
          .register(registry);
  final Counter rejected =
      Counter.builder()
          .name("persona4j_requests_rejected_total")
          .help("Requests refused before generating, by reason")
          .labelNames("reason")
          .register(registry);
  final Counter cancelled =
      Counter.builder()
          .name("persona4j_sequences_cancelled_total")
          .help("Sequences cancelled because their client went away")
          .register(registry);
  private final Histogram batchSize =
      Histogram.builder()
          .name("persona4j_batch_size")
          .help("Sequences per forward pass")
          .labelNames("pass")
          .classicOnly()
          .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256)
          .register(registry);
  private final Histogram distinctAdapters =
      Histogram.builder()
          .name("persona4j_batch_distinct_adapters")
          .help("Distinct users' adapters per forward pass (the base model not counted)")
          .labelNames("pass")
          .classicOnly()
          .classicUpperBounds(0, 1, 2, 4, 8, 16, 32, 64, 128, 256)
          .register(registry);
  private final Histogram forward =
      Histogram.builder()
          .name("persona4j_forward_duration_seconds")
          .help("Wall time of one forward pass of the batch (sampling included)")
          .labelNames("pass")
          .classicOnly()
          .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
          .register(registry);
  private final Counter cacheHits =
      Counter.builder()
          .name("persona4j_adapter_cache_hits_total")
          .help("Requests whose adapter was loaded already")
          .register(registry);
  private final Counter cacheMisses =
      Counter.builder()
          .name("persona4j_adapter_cache_misses_total")
          .help("Requests that waited for their adapter to load")
          .register(registry);
  private final Counter cacheEvictions =
      Counter.builder()
          .name("persona4j_adapter_cache_evictions_total")
          .help("Adapters evicted to stay within the cache's byte budget")
          .register(registry);
  private final Counter loadFailures =
      Counter.builder()
          .name("persona4j_adapter_load_failures_total")
          .help("Adapter loads that failed")
          .register(registry);
  private final Histogram loadLatency =
      Histogram.builder()
          .name("persona4j_adapter_load_duration_seconds")
          .help("Time to fetch an adapter from the store and load it")
          .classicOnly()
          .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
          .register(registry);

  private double emaTokensPerSecond;

  /** Gauges read at scrape time: queue length, running sequences, cache bytes and entries. */
  public void gauges(
      DoubleSupplier queued,
      DoubleSupplier running,
      DoubleSupplier cacheBytes,
      DoubleSupplier cacheEntries,
      DoubleSupplier cacheBudget) {
    gauge("persona4j_queue_length", "Requests waiting for a slot in the batch", queued);
    gauge("persona4j_running_sequences", "Sequences in the running batch", running);
    gauge("persona4j_adapter_cache_bytes", "Bytes of loaded adapters", cacheBytes);
    gauge("persona4j_adapter_cache_entries", "Adapters loaded or loading", cacheEntries);
    gauge("persona4j_adapter_cache_budget_bytes", "The cache's byte budget", cacheBudget);
  }

  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /** The text exposition format. */
  public byte[] scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(out, registry.scrape());
    return out.toByteArray();
  }

  public String contentType() {
    return writer.getContentType();
  }

  void request(String endpoint, int status, double seconds) {
    requests.labelValues(endpoint, Integer.toString(status)).inc();
    latency.labelValues(endpoint).observe(seconds);
  }

  @Override
  public void onForward(Pass pass, int rows, int tokens, int distinct, long nanos) {
    String p = pass.name().toLowerCase(Locale.ROOT);
    batchSize.labelValues(p).observe(rows);
    distinctAdapters.labelValues(p).observe(distinct);
    forward.labelValues(p).observe(nanos / 1e9);
    if (pass == Pass.DECODE && nanos > 0) {
      double tps = rows * 1e9 / nanos;
      synchronized (this) {
        emaTokensPerSecond = emaTokensPerSecond == 0 ? tps : 0.9 * emaTokensPerSecond + 0.1 * tps;
        tokensPerSecond.set(emaTokensPerSecond);
      }
    }
  }

  @Override
  public void hit() {
    cacheHits.inc();
  }

  @Override
  public void miss() {
    cacheMisses.inc();
  }

  @Override
  public void evicted(AdapterRef ref, long bytes) {
    cacheEvictions.inc();
  }

  @Override
  public void loaded(AdapterRef ref, long bytes, long nanos) {
    loadLatency.observe(nanos / 1e9);
  }

  @Override
  public void loadFailed(AdapterRef ref, Throwable error) {
    loadFailures.inc();
  }
}
