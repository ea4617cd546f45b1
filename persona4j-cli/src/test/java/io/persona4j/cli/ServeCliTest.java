/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j serve} as its own process on a store that {@code persona4j store put} filled,
 * with keys from {@code persona4j api-key create}: a completion as a user equals {@code persona4j
 * generate --adapter} for the same adapter and seed.
 */
class ServeCliTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void servedOutputEqualsGenerateWithTheSameAdapterAndSeed(@TempDir Path tmp) throws Exception {
    Path model = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    Path adapter = tmp.resolve("adapter");
    // A trained adapter for the shared test model, published for user alice.
    Path data = tmp.resolve("facts.jsonl");
    Files.writeString(
        data,
        "{\"prompt\": \"Q: color? A:\", \"completion\": \" teal.\"}\n"
            + "{\"prompt\": \"Q: city? A:\", \"completion\": \" Lisbon.\"}\n");
    CliTest.Run train =
        CliTest.run(
            "train",
            "--model",
            model.toString(),
            "--data",
            data.toString(),
            "--out",
            adapter.toString(),
            "--max-steps",
            "20",
            "--lr",
            "3e-3",
            "--lora-r",
            "8",
            "--targets",
            "q_proj,v_proj,down_proj");
    assertThat(train.code()).as(train.err()).isZero();
    String store = "jdbc:sqlite:" + tmp.resolve("store.db");
    CliTest.Run put =
        CliTest.run(
            "store",
            "put",
            "--store",
            store,
            "--user",
            "alice",
            "--adapter",
            adapter.toString(),
            "--model",
            model.toString());
    assertThat(put.code()).as(put.err()).isZero();
    Path keys = tmp.resolve("keys.jsonl");
    CliTest.Run key =
        CliTest.run("api-key", "create", "--file", keys.toString(), "--name", "app", "--service");
    assertThat(key.code()).as(key.err()).isZero();
    String apiKey = key.out().strip();
    assertThat(apiKey).startsWith("p4j-");
    assertThat(Files.readString(keys)).doesNotContain(apiKey);

    CliTest.Run gen =
        CliTest.run(
            "generate",
            "--model",
            model.toString(),
            "--adapter",
            adapter.toString(),
            "--prompt",
            "Q: color? A:",
            "--max-tokens",
            "10",
            "--temperature",
            "0.8",
            "--seed",
            "7",
            "--no-stats");
    assertThat(gen.code()).as(gen.err()).isZero();
    String generated = gen.out().stripTrailing();

    try (CliProcess serve =
        CliProcess.start(
            "serve",
            tmp,
            "serve",
            "--model",
            model.toString(),
            "--store",
            store,
            "--port",
            "0",
            "--api-keys",
            keys.toString(),
            "--model-id",
            "m")) {
      serve.awaitOutput("serving on http://", Duration.ofSeconds(120));
      Matcher m = Pattern.compile("serving on (http://\\S+)").matcher(serve.output());
      assertThat(m.find()).isTrue();
      String url = m.group(1);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("model", "m");
      body.put("prompt", "Q: color? A:");
      body.put("max_tokens", 10);
      body.put("temperature", 0.8);
      body.put("seed", 7);
      body.put("user", "alice");
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                      .header("Authorization", "Bearer " + apiKey)
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Persona4j-Adapter")).hasValue("alice@1");
      JsonNode j = JSON.readTree(r.body());
      assertThat("Q: color? A:" + j.path("choices").get(0).path("text").asText())
          .isEqualTo(generated);
      HttpResponse<String> noKey =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/v1/models")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(noKey.statusCode()).isEqualTo(401);
      serve.kill();
    }
  }
}
