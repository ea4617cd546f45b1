/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload and disconnects on a server with one batch row and one queue place: a full queue answers
 * 429 with Retry-After; a streaming client that disconnects has its sequence cancelled and its row
 * goes to the waiting request.
 */
class CapacityTest {
  @TempDir Path dir;

  static final int LONG = 900;

  @Test
  void fullQueueAnswers429AndADisconnectedStreamFreesItsRow() throws Exception {
    // A model slow enough (4 layers, hidden 128) that a long generation outlasts the test's steps.
    Path model = dir.resolve("m");
    LlamaConfig c = ModelInit.decoderConfig("llama", 4, 128, 4, 2, 512, 0, 1024);
    ModelInit.write(c, 7, 0.08f, DType.F32, model);
    String prompt = longRunningPrompt(model);
    InMemoryUserAdapters source = new InMemoryUserAdapters();
    source.publish("alice", ServeFixtures.adapter(model, 4, 1, dir.resolve("alice")));
    try (PersonaServer server =
        PersonaServer.builder()
            .setModel(model)
            .setUserAdapters(source)
            .optPort(0)
            .optMaxBatch(1)
            .optMaxQueue(1)
            .optMaxTokens(LONG)
            .start()) {
      HttpTestClient http = new HttpTestClient(server.url());
      double generatedBefore = metric(http, "persona4j_generated_tokens_total");

      // A: a long stream that takes the only row.
      URI uri = URI.create(server.url());
      Socket a = new Socket(uri.getHost(), uri.getPort());
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("model", "m");
      body.put("prompt", prompt);
      body.put("max_tokens", LONG);
      body.put("temperature", 0);
      body.put("stream", true);
      String json = HttpTestClient.JSON.writeValueAsString(body);
      OutputStream out = a.getOutputStream();
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + json.getBytes(StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + json)
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).startsWith("HTTP/1.1 200");
      for (String line = in.readLine(); !line.startsWith("data: "); line = in.readLine()) {
        // headers and chunk sizes
      }
      assertThat(server.decoder().engine().running()).isEqualTo(1);

      // B: waits in the only queue place.
      Map<String, Object> small = new LinkedHashMap<>();
      small.put("model", "m");
      small.put("prompt", "hello");
      small.put("max_tokens", 4);
      small.put("user", "alice");
      CompletableFuture<HttpTestClient.Response> b =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return http.post("/v1/completions", small);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (server.decoder().engine().queued() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      assertThat(server.decoder().engine().queued()).isEqualTo(1);

      // C: no place left.
      HttpTestClient.Response c429 = http.post("/v1/completions", small);
      assertThat(c429.status()).isEqualTo(429);
      assertThat(c429.header("Retry-After")).isEqualTo("1");
      JsonNode err = c429.json().path("error");
      assertThat(err.path("type").asText()).isEqualTo("rate_limit_error");
      assertThat(err.path("code").asText()).isEqualTo("rate_limit_exceeded");
      assertThat(b).isNotDone();

      // A's client goes away: its sequence is cancelled and B gets the row.
      a.close();
      HttpTestClient.Response rb = b.get();
      assertThat(rb.status()).isEqualTo(200);
      assertThat(rb.header("X-Persona4j-Adapter")).isEqualTo("alice@1");
      while (server.decoder().engine().running() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      assertThat(server.decoder().engine().running()).isZero();
      assertThat(metric(http, "persona4j_sequences_cancelled_total")).isEqualTo(1.0);
      assertThat(metric(http, "persona4j_requests_rejected_total{reason=\"queue_full\"}"))
          .isEqualTo(1.0);
      // A stopped early: far fewer than its LONG tokens were generated in all.
      double generated = metric(http, "persona4j_generated_tokens_total") - generatedBefore;
      assertThat(generated).isLessThan(LONG);
    }
  }

  /** A prompt whose greedy base continuation runs LONG tokens without an end-of-sequence token. */
  static String longRunningPrompt(Path model) throws Exception {
    for (String p : new String[] {"The", "Once upon a time", "Hello world", "A", "x y z"}) {
      if (ServeFixtures.generateTokens(model, null, p, LONG, 0f, 0).length == LONG) {
        return p;
      }
    }
    throw new AssertionError("no prompt of the fixture model runs " + LONG + " tokens");
  }

  static double metric(HttpTestClient http, String name) throws Exception {
    String body = http.get("/metrics", null).body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
  }
}
