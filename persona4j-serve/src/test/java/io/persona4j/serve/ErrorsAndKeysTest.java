/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import io.persona4j.serve.http.ApiKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI-format errors (status, type, param, code) for malformed and abusive requests, and API
 * keys: stored hashed, 401 without a valid one, user-bound keys limited to their user (403),
 * admin-only endpoints.
 */
class ErrorsAndKeysTest {
  @TempDir static Path dir;
  static PersonaServer server;
  static HttpTestClient http;
  static String admin;
  static String service;
  static String alice;
  static Path keysFile;

  @BeforeAll
  static void start() throws Exception {
    Path model = ServeFixtures.model(dir.resolve("tiny"), false);
    InMemoryUserAdapters source = new InMemoryUserAdapters();
    source.publish("alice", ServeFixtures.adapter(model, 4, 1, dir.resolve("a")));
    source.publish("bob", ServeFixtures.adapter(model, 4, 2, dir.resolve("b")));
    keysFile = dir.resolve("keys.jsonl");
    admin = ApiKeys.create(keysFile, "ops", ApiKeys.Role.ADMIN, null);
    service = ApiKeys.create(keysFile, "backend", ApiKeys.Role.SERVICE, null);
    alice = ApiKeys.create(keysFile, "alice-phone", ApiKeys.Role.USER, "alice");
    server =
        PersonaServer.builder()
            .setModel(model)
            .setUserAdapters(source)
            .optPort(0)
            .optApiKeys(ApiKeys.load(keysFile))
            .optMaxPromptTokens(20)
            .optMaxTokens(50)
            .start();
    http = new HttpTestClient(server.url());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Map<String, Object> body(String user, String prompt, int maxTokens) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("model", "tiny");
    b.put("prompt", prompt);
    b.put("max_tokens", maxTokens);
    if (user != null) {
      b.put("user", user);
    }
    return b;
  }

  HttpTestClient.Response post(Object body, String key) throws Exception {
    return http.post("/v1/completions", HttpTestClient.JSON.writeValueAsString(body), key);
  }

  static JsonNode error(HttpTestClient.Response r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    JsonNode e = r.json().path("error");
    assertThat(e.path("message").asText()).isNotBlank();
    assertThat(e.has("type")).isTrue();
    assertThat(e.has("param")).isTrue();
    assertThat(e.has("code")).isTrue();
    return e;
  }

  @Test
  void keysAreStoredHashedAndEveryKeyIsDifferent() throws Exception {
    String file = Files.readString(keysFile);
    assertThat(file).doesNotContain(admin).doesNotContain(service).doesNotContain(alice);
    assertThat(List.of(admin, service, alice)).doesNotHaveDuplicates();
    assertThat(admin).startsWith("p4j-").hasSizeGreaterThan(40);
    assertThat(ApiKeys.load(keysFile).authenticate(alice).orElseThrow().user()).isEqualTo("alice");
    assertThatThrownBy(() -> ApiKeys.create(keysFile, "ops", ApiKeys.Role.ADMIN, null))
        .hasMessageContaining("exists already");
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(
        bad, "{\"name\":\"x\",\"role\":\"user\",\"sha256\":\"" + "a".repeat(64) + "\"}\n");
    assertThatThrownBy(() -> ApiKeys.load(bad))
        .hasMessageContaining("bad.jsonl:1")
        .hasMessageContaining("field user");
  }

  @Test
  void missingOrWrongKeyIs401() throws Exception {
    JsonNode e = error(post(body(null, "hi", 2), null), 401);
    assertThat(e.path("code").asText()).isEqualTo("invalid_api_key");
    error(post(body(null, "hi", 2), "p4j-wrong"), 401);
    error(http.get("/v1/models", "p4j-wrong"), 401);
    assertThat(http.get("/v1/models", service).status()).isEqualTo(200);
    assertThat(http.get("/health", null).status()).isEqualTo(200); // probes need no key
  }

  @Test
  void aUserBoundKeyReachesOnlyItsOwnAdapter() throws Exception {
    JsonNode e = error(post(body("bob", "hi", 2), alice), 403);
    assertThat(e.path("type").asText()).isEqualTo("permission_error");
    assertThat(e.path("param").asText()).isEqualTo("user");
    HttpTestClient.Response own = post(body(null, "hi", 2), alice);
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.header("X-Persona4j-Adapter")).isEqualTo("alice@1");
    assertThat(post(body("alice", "hi", 2), alice).status()).isEqualTo(200);
    assertThat(post(body("bob", "hi", 2), service).header("X-Persona4j-Adapter"))
        .isEqualTo("bob@1");
    JsonNode users = http.get("/persona4j/users", alice).json();
    assertThat(users.path("data")).hasSize(1);
    assertThat(users.path("data").get(0).path("id").asText()).isEqualTo("alice");
  }

  @Test
  void adminEndpointsNeedTheAdminKey() throws Exception {
    error(http.get("/admin/cache", service), 403);
    error(http.get("/admin/cache", alice), 403);
    HttpTestClient.Response r = http.get("/admin/cache", admin);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().has("budget_bytes")).isTrue();
    HttpTestClient.Response pin = http.post("/admin/pin", "{\"user\":\"bob\"}", admin);
    assertThat(pin.status()).isEqualTo(200);
    assertThat(server.cache().pinnedUsers()).contains("bob");
  }

  @Test
  void onlyAnAdminKeyPublishesAndTheNextRequestUsesTheNewVersion() throws Exception {
    Path v2 = ServeFixtures.adapter(dir.resolve("tiny"), 8, 3, dir.resolve("dave-v1"));
    Map<String, String> files = new LinkedHashMap<>();
    for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
      files.put(f, java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(v2.resolve(f))));
    }
    String body =
        HttpTestClient.JSON.writeValueAsString(
            Map.of("user", "dave", "files", files, "note", "v1"));
    error(http.post("/admin/adapters", body, service), 403);
    error(http.post("/admin/adapters", body, alice), 403);
    HttpTestClient.Response r = http.post("/admin/adapters", body, admin);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().path("adapter").asText()).isEqualTo("dave@1");
    assertThat(post(body("dave", "hi", 2), service).header("X-Persona4j-Adapter"))
        .isEqualTo("dave@1");
    JsonNode bad =
        error(
            http.post(
                "/admin/adapters",
                "{\"user\": \"dave\", \"files\": {\"adapter_config.json\": \"%%%\"}}",
                admin),
            400);
    assertThat(bad.path("param").asText()).isEqualTo("files.adapter_config.json");
  }

  @Test
  void malformedRequestsAre400NamingTheField() throws Exception {
    JsonNode e = error(http.post("/v1/completions", "{\"model\": \"tiny\", ", service), 400);
    assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(e.path("message").asText()).contains("could not parse the JSON");
    error(http.post("/v1/completions", "[1, 2]", service), 400);
    assertThat(error(post(Map.of("prompt", "x"), service), 400).path("param").asText())
        .isEqualTo("model");
    assertThat(error(post(Map.of("model", "tiny"), service), 400).path("param").asText())
        .isEqualTo("prompt");
    Map<String, Object> b = body(null, "hi", 2);
    b.put("temperature", 3);
    assertThat(error(post(b, service), 400).path("param").asText()).isEqualTo("temperature");
    b = body(null, "hi", 2);
    b.put("n", 2);
    assertThat(error(post(b, service), 400).path("param").asText()).isEqualTo("n");
    b = body(null, "hi", 2);
    b.put("stop", List.of("a", "b", "c", "d", "e"));
    assertThat(error(post(b, service), 400).path("param").asText()).isEqualTo("stop");
    b = body(null, "hi", 2);
    b.put("prompt", List.of(1, 2, 999999));
    assertThat(error(post(b, service), 400).path("param").asText()).isEqualTo("prompt");
  }

  @Test
  void oversizedPromptsAndTokenLimitsAre400() throws Exception {
    JsonNode e = error(post(body(null, "word ".repeat(40), 2), service), 400);
    assertThat(e.path("param").asText()).isEqualTo("prompt");
    assertThat(e.path("code").asText()).isEqualTo("context_length_exceeded");
    JsonNode m = error(post(body(null, "hi", 51), service), 400);
    assertThat(m.path("param").asText()).isEqualTo("max_tokens");
    assertThat(m.path("message").asText()).contains("at most 50");
    assertThat(error(post(body(null, "hi", 0), service), 400).path("param").asText())
        .isEqualTo("max_tokens");
  }

  @Test
  void unknownModelsAndRoutesAre404AndChatWithoutTemplateIs400() throws Exception {
    Map<String, Object> b = body(null, "hi", 2);
    b.put("model", "gpt-4");
    JsonNode e = error(post(b, service), 404);
    assertThat(e.path("code").asText()).isEqualTo("model_not_found");
    error(http.get("/v2/whatever", service), 404);
    Map<String, Object> chat = new LinkedHashMap<>();
    chat.put("model", "tiny");
    chat.put("messages", List.of(Map.of("role", "user", "content", "hello")));
    JsonNode c =
        error(
            http.post(
                "/v1/chat/completions", HttpTestClient.JSON.writeValueAsString(chat), service),
            400);
    assertThat(c.path("code").asText()).isEqualTo("chat_template_missing");
    assertThat(c.path("message").asText()).contains("tokenizer_config.json");
    chat.put("messages", List.of(Map.of("role", "wizard", "content", "hello")));
    assertThat(
            error(
                    http.post(
                        "/v1/chat/completions",
                        HttpTestClient.JSON.writeValueAsString(chat),
                        service),
                    400)
                .path("param")
                .asText())
        .isEqualTo("messages[0].role");
    error(http.post("/v1/classify", "{\"user\":\"alice\",\"input\":\"x\"}", service), 404);
  }
}
