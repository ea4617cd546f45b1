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
import io.persona4j.serve.http.ApiKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Node SDK ({@code openai@4}) against the server: completions and chat,
 * streamed and not, {@code user} selecting adapters, errors as the SDK's typed errors with their
 * status (400, 401, 403, 404, 429), and a client that aborts a stream freeing its row.
 */
class OpenAiNodeSdkTest {
  @TempDir Path dir;

  @Test
  void theOfficialSdkDrivesTheServer() throws Exception {
    NodeScripts.require("openai");
    Path model = ServeFixtures.model(dir.resolve("tiny"), true);
    InMemoryUserAdapters source = new InMemoryUserAdapters();
    Path alice = ServeFixtures.adapter(model, 8, 11, dir.resolve("alice"));
    Path bob = ServeFixtures.adapter(model, 4, 12, dir.resolve("bob"));
    source.publish("alice", alice);
    source.publish("bob", bob);
    Path keys = dir.resolve("keys.jsonl");
    String service = ApiKeys.create(keys, "backend", ApiKeys.Role.SERVICE, null);
    String aliceKey = ApiKeys.create(keys, "alice", ApiKeys.Role.USER, "alice");
    // The overload server: one row, one queue place, a model slow enough for a long stream.
    Path slow = dir.resolve("slow");
    LlamaConfig c = ModelInit.decoderConfig("llama", 4, 128, 4, 2, 512, 0, 1024);
    ModelInit.write(c, 7, 0.08f, DType.F32, slow);
    Files.copy(model.resolve("tokenizer_config.json"), slow.resolve("tokenizer_config.json"));
    String longPrompt = CapacityTest.longRunningPrompt(slow);
    try (PersonaServer server =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(source)
                .optApiKeys(ApiKeys.load(keys))
                .optPort(0)
                .optModelId("tiny")
                .optMaxPromptTokens(100)
                .start();
        PersonaServer overload =
            PersonaServer.builder()
                .setModel(slow)
                .setUserAdapters(new InMemoryUserAdapters())
                .optPort(0)
                .optModelId("tiny")
                .optMaxBatch(1)
                .optMaxQueue(1)
                .optMaxTokens(CapacityTest.LONG)
                .start()) {
      String line =
          NodeScripts.run(
              "openai-sdk.mjs",
              Map.of(
                  "BASE_URL",
                  server.url(),
                  "OVERLOAD_URL",
                  overload.url(),
                  "SERVICE_KEY",
                  service,
                  "ALICE_KEY",
                  aliceKey,
                  "MODEL",
                  "tiny",
                  "LONG_PROMPT",
                  longPrompt,
                  "LONG_TOKENS",
                  Integer.toString(CapacityTest.LONG)),
              240);
      JsonNode out = HttpTestClient.JSON.readTree(line);
      assertThat(out.path("models").get(0).asText()).isEqualTo("tiny");
      String want = ServeFixtures.generate(model, alice, "Once upon", 12, 0f, 0);
      assertThat(out.path("completion").path("text").asText()).isEqualTo(want);
      assertThat(out.path("completion").path("adapter").asText()).isEqualTo("alice@1");
      assertThat(out.path("completionStream").path("text").asText()).isEqualTo(want);
      assertThat(out.path("completionStream").path("finish").asText())
          .isEqualTo(out.path("completion").path("finish").asText());
      assertThat(out.path("base").asText())
          .isEqualTo(ServeFixtures.generate(model, null, "Once upon", 12, 0f, 0))
          .isNotEqualTo(want);
      assertThat(out.path("bob").asText())
          .isEqualTo(ServeFixtures.generate(model, bob, "Once upon", 12, 0f, 0))
          .isNotEqualTo(want);
      JsonNode chat = out.path("chat");
      assertThat(chat.path("streamText").asText()).isEqualTo(chat.path("text").asText());
      assertThat(chat.path("streamRole").asText()).isEqualTo("assistant");
      assertThat(chat.path("streamUsage").path("completion_tokens").asInt())
          .isEqualTo(chat.path("usage").path("completion_tokens").asInt());
      assertThat(out.path("seeded").get(0).asText())
          .isEqualTo(out.path("seeded").get(1).asText())
          .isEqualTo(ServeFixtures.generate(model, bob, "The weather", 16, 0.9f, 1234));
      JsonNode e = out.path("errors");
      assertThat(e.path("badRequest").path("status").asInt()).isEqualTo(400);
      assertThat(e.path("badRequest").path("param").asText()).isEqualTo("max_tokens");
      assertThat(e.path("oversizedPrompt").path("status").asInt()).isEqualTo(400);
      assertThat(e.path("oversizedPrompt").path("param").asText()).isEqualTo("prompt");
      assertThat(e.path("oversizedPrompt").path("code").asText())
          .isEqualTo("context_length_exceeded");
      assertThat(e.path("notFound").path("status").asInt()).isEqualTo(404);
      assertThat(e.path("unauthorized").path("status").asInt()).isEqualTo(401);
      assertThat(e.path("forbidden").path("status").asInt()).isEqualTo(403);
      assertThat(e.path("forbidden").path("param").asText()).isEqualTo("user");
      assertThat(e.path("rateLimited").path("status").asInt()).isEqualTo(429);
      assertThat(out.path("aliceKeyAdapter").asText()).isEqualTo("alice@1");
      assertThat(out.path("afterDisconnect").asText()).isEqualTo("served");
      assertThat(out.path("cancelled").asDouble()).isEqualTo(1.0);
      assertThat(overload.decoder().engine().running()).isZero();
    }
  }
}
