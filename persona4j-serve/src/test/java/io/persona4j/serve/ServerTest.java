/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible endpoints of a decoder server over real HTTP: formats, adapters selected by
 * {@code user}, equality with {@code persona4j generate --adapter}, mixed batches.
 */
class ServerTest {
  @TempDir static Path dir;
  static Path model;
  static final Map<String, Path> adapters = new LinkedHashMap<>();
  static InMemoryUserAdapters source;
  static PersonaServer server;
  static HttpTestClient http;

  @BeforeAll
  static void start() throws Exception {
    model = ServeFixtures.model(dir.resolve("tiny"), true);
    source = new InMemoryUserAdapters();
    for (int i = 0; i < 8; i++) {
      String user = "user" + i;
      Path a = ServeFixtures.adapter(model, i % 2 == 0 ? 8 : 4, 100 + i, dir.resolve(user));
      adapters.put(user, a);
      source.publish(user, a);
    }
    server =
        PersonaServer.builder()
            .setModel(model)
            .setUserAdapters(source)
            .optPort(0)
            .optMaxBatch(16)
            .start();
    http = new HttpTestClient(server.url());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Map<String, Object> completion(String user, String prompt, int maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "tiny");
    body.put("prompt", prompt);
    body.put("max_tokens", maxTokens);
    body.put("temperature", 0);
    if (user != null) {
      body.put("user", user);
    }
    return body;
  }

  @Test
  void modelsHealthReadyAndMetrics() throws Exception {
    JsonNode models = http.get("/v1/models", null).json();
    assertThat(models.path("object").asText()).isEqualTo("list");
    assertThat(models.path("data").get(0).path("id").asText()).isEqualTo("tiny");
    assertThat(models.path("data").get(0).path("object").asText()).isEqualTo("model");
    assertThat(http.get("/health", null).status()).isEqualTo(200);
    assertThat(http.get("/ready", null).json().path("status").asText()).isEqualTo("ready");
    http.post("/v1/completions", completion("user1", "hello", 3));
    String metrics = http.get("/metrics", null).body();
    assertThat(metrics)
        .contains("persona4j_http_requests_total{endpoint=\"completions\",status=\"200\"}")
        .contains("persona4j_time_to_first_token_seconds_bucket")
        .contains("persona4j_generated_tokens_total")
        .contains("persona4j_queue_length")
        .contains("persona4j_batch_size_bucket")
        .contains("persona4j_batch_distinct_adapters_bucket")
        .contains("persona4j_adapter_cache_hits_total")
        .contains("persona4j_adapter_cache_misses_total")
        .contains("persona4j_adapter_cache_evictions_total")
        .contains("persona4j_adapter_load_duration_seconds_bucket")
        .contains("persona4j_generated_tokens_per_second");
  }

  @Test
  void completionsEqualGenerateWithTheUsersAdapterAndNameTheVersion() throws Exception {
    for (String user : List.of("user0", "user3")) {
      HttpTestClient.Response r = http.post("/v1/completions", completion(user, "Once upon", 12));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("X-Persona4j-Adapter")).isEqualTo(user + "@1");
      JsonNode j = r.json();
      assertThat(j.path("object").asText()).isEqualTo("text_completion");
      assertThat(j.path("id").asText()).startsWith("cmpl-");
      assertThat(j.path("model").asText()).isEqualTo("tiny");
      JsonNode choice = j.path("choices").get(0);
      assertThat(choice.path("index").asInt()).isZero();
      assertThat(choice.has("logprobs")).isTrue();
      String want = ServeFixtures.generate(model, adapters.get(user), "Once upon", 12, 0f, 0);
      assertThat(choice.path("text").asText()).isEqualTo(want);
      assertThat(choice.path("finish_reason").asText()).isIn("stop", "length");
      assertThat(j.path("usage").path("completion_tokens").asInt()).isBetween(1, 12);
      assertThat(j.path("usage").path("total_tokens").asInt())
          .isEqualTo(
              j.path("usage").path("prompt_tokens").asInt()
                  + j.path("usage").path("completion_tokens").asInt());
    }
  }

  @Test
  void seededSamplingEqualsGenerateWithTheSameSeed() throws Exception {
    Map<String, Object> body = completion("user2", "The weather", 16);
    body.put("temperature", 0.9);
    body.put("seed", 1234);
    String got =
        http.post("/v1/completions", body).json().path("choices").get(0).path("text").asText();
    String want =
        ServeFixtures.generate(model, adapters.get("user2"), "The weather", 16, 0.9f, 1234);
    assertThat(got).isEqualTo(want);
    body.put("seed", 1235);
    String other =
        http.post("/v1/completions", body).json().path("choices").get(0).path("text").asText();
    assertThat(other).isNotEqualTo(got);
  }

  @Test
  void usersWithoutAdapterGetTheBaseModelAndUsersDiffer() throws Exception {
    HttpTestClient.Response base = http.post("/v1/completions", completion(null, "Hi there", 10));
    HttpTestClient.Response nobody =
        http.post("/v1/completions", completion("no-such-user", "Hi there", 10));
    assertThat(base.header("X-Persona4j-Adapter")).isEqualTo("base");
    assertThat(nobody.header("X-Persona4j-Adapter")).isEqualTo("base");
    String b = base.json().path("choices").get(0).path("text").asText();
    assertThat(nobody.json().path("choices").get(0).path("text").asText()).isEqualTo(b);
    assertThat(b).isEqualTo(ServeFixtures.generate(model, null, "Hi there", 10, 0f, 0));
    List<String> answers = new ArrayList<>();
    for (String u : List.of("user0", "user1", "user2")) {
      answers.add(
          http.post("/v1/completions", completion(u, "Hi there", 10))
              .json()
              .path("choices")
              .get(0)
              .path("text")
              .asText());
    }
    assertThat(answers).doesNotHaveDuplicates().doesNotContain(b);
  }

  @Test
  void streamingCompletionIsOpenAisEventFormatAndEqualsTheWholeAnswer() throws Exception {
    Map<String, Object> body = completion("user4", "A story", 14);
    String whole =
        http.post("/v1/completions", body).json().path("choices").get(0).path("text").asText();
    body.put("stream", true);
    body.put("stream_options", Map.of("include_usage", true));
    HttpTestClient.Response r = http.post("/v1/completions", body);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/event-stream");
    assertThat(r.header("X-Persona4j-Adapter")).isEqualTo("user4@1");
    // Every event is "data: <json>" followed by a blank line; the last is [DONE].
    assertThat(r.body()).endsWith("data: [DONE]\n\n");
    for (String block : r.body().split("\n\n")) {
      assertThat(block).startsWith("data: ").doesNotContain("\n");
    }
    List<String> events = r.events();
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    String finish = null;
    String id = null;
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode j = HttpTestClient.JSON.readTree(e);
      assertThat(j.path("object").asText()).isEqualTo("text_completion");
      id = id == null ? j.path("id").asText() : id;
      assertThat(j.path("id").asText()).isEqualTo(id);
      if (j.path("choices").isEmpty()) {
        assertThat(j.path("usage").path("completion_tokens").asInt()).isPositive();
        continue;
      }
      JsonNode c = j.path("choices").get(0);
      text.append(c.path("text").asText());
      if (!c.path("finish_reason").isNull()) {
        finish = c.path("finish_reason").asText();
      }
    }
    assertThat(text.toString()).isEqualTo(whole);
    assertThat(finish).isIn("stop", "length");
    // The usage chunk is the last before [DONE].
    assertThat(HttpTestClient.JSON.readTree(events.get(events.size() - 2)).has("usage")).isTrue();
  }

  @Test
  void chatUsesTheTemplateAndStreamsRoleThenContent() throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "tiny");
    body.put("messages", List.of(Map.of("role", "user", "content", "hello")));
    body.put("max_tokens", 8);
    body.put("temperature", 0);
    body.put("user", "user5");
    HttpTestClient.Response r = http.post("/v1/chat/completions", body);
    assertThat(r.status()).isEqualTo(200);
    JsonNode j = r.json();
    assertThat(j.path("object").asText()).isEqualTo("chat.completion");
    JsonNode msg = j.path("choices").get(0).path("message");
    assertThat(msg.path("role").asText()).isEqualTo("assistant");
    // The template renders "user: hello\nassistant:"; the served answer is generate's for it.
    String prompt = "user: hello\nassistant:";
    // The chat prompt is tokenized without added special tokens (as apply_chat_template does).
    assertThat(j.path("usage").path("prompt_tokens").asInt())
        .isEqualTo(server.decoder().tokenizer().encode(prompt, false).length);
    body.put("stream", true);
    List<String> events = http.post("/v1/chat/completions", body).events();
    JsonNode first = HttpTestClient.JSON.readTree(events.get(0));
    assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(1, events.size() - 1)) {
      text.append(
          HttpTestClient.JSON
              .readTree(e)
              .path("choices")
              .get(0)
              .path("delta")
              .path("content")
              .asText(""));
    }
    assertThat(text.toString()).isEqualTo(msg.path("content").asText());
    JsonNode last = HttpTestClient.JSON.readTree(events.get(events.size() - 2));
    assertThat(last.path("choices").get(0).path("finish_reason").asText()).isIn("stop", "length");
    assertThat(last.path("choices").get(0).path("delta").isEmpty()).isTrue();
  }

  @Test
  void stopStringsCutTheTextBeforeTheFirstMatch() throws Exception {
    String full =
        http.post("/v1/completions", completion("user6", "Tell me", 20))
            .json()
            .path("choices")
            .get(0)
            .path("text")
            .asText();
    assertThat(full.length()).isGreaterThan(6);
    String stop = full.substring(3, 5);
    int cut = full.indexOf(stop);
    Map<String, Object> body = completion("user6", "Tell me", 20);
    body.put("stop", List.of(stop, "\u0000never"));
    JsonNode j = http.post("/v1/completions", body).json();
    assertThat(j.path("choices").get(0).path("text").asText()).isEqualTo(full.substring(0, cut));
    assertThat(j.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    body.put("stream", true);
    StringBuilder text = new StringBuilder();
    List<String> events = http.post("/v1/completions", body).events();
    for (String e : events.subList(0, events.size() - 1)) {
      text.append(HttpTestClient.JSON.readTree(e).path("choices").get(0).path("text").asText());
    }
    assertThat(text.toString()).isEqualTo(full.substring(0, cut));
  }

  /**
   * 16 concurrent requests over 8 users' adapters (plus 2 base-model ones) in mixed batches give
   * exactly the text each gives alone (greedy).
   */
  @Test
  void concurrentRequestsOverEightAdaptersGiveWhatEachGivesAlone() throws Exception {
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      users.add(i < 16 ? "user" + (i % 8) : null);
    }
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      prompts.add(List.of("Once", "The cat", "In a land far", "Why").get(i % 4) + " " + i);
    }
    List<String> alone = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      Path a = users.get(i) == null ? null : adapters.get(users.get(i));
      alone.add(ServeFixtures.generate(model, a, prompts.get(i), 10, 0f, 0));
    }
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    List<Future<HttpTestClient.Response>> got = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      Map<String, Object> b = completion(users.get(i), prompts.get(i), 10);
      got.add(
          pool.submit((Callable<HttpTestClient.Response>) () -> http.post("/v1/completions", b)));
    }
    for (int i = 0; i < 18; i++) {
      HttpTestClient.Response r = got.get(i).get();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().path("choices").get(0).path("text").asText())
          .as("request %d (user %s)", i, users.get(i))
          .isEqualTo(alone.get(i));
    }
    pool.shutdown();
    String metrics = http.get("/metrics", null).body();
    // Some decode pass held more than one distinct adapter.
    assertThat(metrics)
        .containsPattern("persona4j_batch_distinct_adapters_count\\{pass=\"decode\"\\}");
  }

  @Test
  void aNewlyPublishedVersionIsServedWithoutRestart() throws Exception {
    String before =
        http.post("/v1/completions", completion("user7", "Hello", 8)).header("X-Persona4j-Adapter");
    assertThat(before).isEqualTo("user7@1");
    AdapterRef v2 = source.publish("user7", adapters.get("user1"));
    // The cache loads the new version off the request path as soon as it is published.
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!server.cache().isLoaded(v2) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(server.cache().isLoaded(v2)).isTrue();
    HttpTestClient.Response r = http.post("/v1/completions", completion("user7", "Hello", 8));
    assertThat(r.header("X-Persona4j-Adapter")).isEqualTo("user7@2");
    assertThat(r.json().path("choices").get(0).path("text").asText())
        .isEqualTo(ServeFixtures.generate(model, adapters.get("user1"), "Hello", 8, 0f, 0));
    source.rollback("user7");
    assertThat(
            http.post("/v1/completions", completion("user7", "Hello", 8))
                .header("X-Persona4j-Adapter"))
        .isEqualTo("user7@1");
  }
}
