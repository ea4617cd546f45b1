/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.serve.store.LocalPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code persona4j serve} processes on one PostgreSQL store: a version published through a
 * third process ({@code persona4j store put}) is loaded by both servers within a second (the
 * store's LISTEN/NOTIFY reaches their adapter caches) and served by both, without a restart.
 */
class ServeTwoProcessesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void aVersionPublishedThroughTheStoreReachesBothServersWithinASecond(@TempDir Path tmp)
      throws Exception {
    Path model = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    Path v1 = train(model, tmp.resolve("v1"), " teal.");
    Path v2 = train(model, tmp.resolve("v2"), " amber.");
    Path keys = tmp.resolve("keys.jsonl");
    CliTest.Run key =
        CliTest.run("api-key", "create", "--file", keys.toString(), "--name", "ops", "--admin");
    assertThat(key.code()).as(key.err()).isZero();
    String admin = key.out().strip();
    try (LocalPostgres pg = LocalPostgres.builder().optFsync(false).build()) {
      pg.createDatabase("serving");
      String store =
          pg.url("serving") + "?user=" + LocalPostgres.USER + "&password=" + pg.password();
      put(store, model, v1);
      try (CliProcess a = serve(tmp, model, store, keys, "a");
          CliProcess b = serve(tmp, model, store, keys, "b")) {
        String urlA = url(a);
        String urlB = url(b);
        for (String u : new String[] {urlA, urlB}) {
          assertThat(complete(u, admin).headers().firstValue("X-Persona4j-Adapter"))
              .hasValue("alice@1");
        }
        long t0 = System.nanoTime();
        put(store, model, v2);
        double published = (System.nanoTime() - t0) / 1e9;
        long deadline = System.nanoTime() + 1_000_000_000L;
        boolean both = false;
        while (!both && System.nanoTime() < deadline) {
          both = loaded(urlA, admin, "alice@2") && loaded(urlB, admin, "alice@2");
          Thread.sleep(10);
        }
        assertThat(both)
            .as(
                "both servers loaded alice@2 within 1 s of store put returning (put took %.2f s)",
                published)
            .isTrue();
        for (String u : new String[] {urlA, urlB}) {
          HttpResponse<String> r = complete(u, admin);
          assertThat(r.headers().firstValue("X-Persona4j-Adapter")).hasValue("alice@2");
        }
        a.kill();
        b.kill();
      }
    }
  }

  static Path train(Path model, Path out, String answer) throws Exception {
    Path data = out.resolveSibling(out.getFileName() + ".jsonl");
    Files.writeString(data, "{\"prompt\": \"Q: color? A:\", \"completion\": \"" + answer + "\"}\n");
    CliTest.Run t =
        CliTest.run(
            "train",
            "--model",
            model.toString(),
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--max-steps",
            "3",
            "--targets",
            "q_proj,v_proj");
    assertThat(t.code()).as(t.err()).isZero();
    return out;
  }

  static void put(String store, Path model, Path adapter) {
    CliTest.Run r =
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
    assertThat(r.code()).as(r.err()).isZero();
  }

  static CliProcess serve(Path tmp, Path model, String store, Path keys, String name)
      throws Exception {
    CliProcess p =
        CliProcess.start(
            "serve-" + name,
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
            "m");
    p.awaitOutput("serving on http://", Duration.ofSeconds(120));
    return p;
  }

  static String url(CliProcess p) {
    Matcher m = Pattern.compile("serving on (http://\\S+)").matcher(p.output());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  static HttpResponse<String> complete(String url, String key) throws Exception {
    String body =
        "{\"model\": \"m\", \"prompt\": \"Q: color? A:\", \"max_tokens\": 4, \"temperature\": 0,"
            + " \"user\": \"alice\"}";
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r;
  }

  /** Whether the server's adapter cache holds {@code label} loaded (GET /admin/cache). */
  static boolean loaded(String url, String key, String label) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url + "/admin/cache"))
                .header("Authorization", "Bearer " + key)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    for (JsonNode a : JSON.readTree(r.body()).path("adapters")) {
      if (a.path("adapter").asText().equals(label) && a.path("state").asText().equals("loaded")) {
        return true;
      }
    }
    return false;
  }
}
