/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page at {@code /} in headless Chromium: it lists the users, and for a prompt shows the
 * base model's and the chosen user's personalized answer, streamed side by side, equal to what the
 * API answers.
 */
class WebPageTest {
  @TempDir Path dir;

  static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");

  @Test
  void thePageStreamsTheBaseAndThePersonalizedAnswerSideBySide() throws Exception {
    NodeScripts.require("playwright-core");
    assertThat(Files.isExecutable(Path.of(CHROMIUM)))
        .as("%s is missing: install Debian's chromium (.ci/run does)", CHROMIUM)
        .isTrue();
    Path model = ServeFixtures.model(dir.resolve("tiny"), false);
    InMemoryUserAdapters source = new InMemoryUserAdapters();
    Path carol = ServeFixtures.adapter(model, 8, 21, dir.resolve("carol"));
    source.publish("alice", ServeFixtures.adapter(model, 4, 20, dir.resolve("alice")));
    source.publish("carol", carol);
    try (PersonaServer server =
        PersonaServer.builder().setModel(model).setUserAdapters(source).optPort(0).start()) {
      String line =
          NodeScripts.run(
              "web-page.mjs",
              Map.of(
                  "PAGE_URL", server.url() + "/",
                  "USER_ID", "carol",
                  "PROMPT", "My favorite",
                  "MAX_TOKENS", "20",
                  "CHROMIUM", CHROMIUM),
              180);
      JsonNode out = HttpTestClient.JSON.readTree(line);
      assertThat(out.path("title").asText()).contains("Persona4j");
      assertThat(out.path("model").asText()).contains("tiny");
      assertThat(out.path("users").toString()).contains("alice", "carol");
      assertThat(out.path("pageErrors")).isEmpty();
      assertThat(out.path("baseAdapter").asText()).isEqualTo("base");
      assertThat(out.path("userAdapter").asText()).isEqualTo("carol@1");
      String base = ServeFixtures.generate(model, null, "My favorite", 20, 0f, 0);
      String personal = ServeFixtures.generate(model, carol, "My favorite", 20, 0f, 0);
      assertThat(out.path("base").asText()).isEqualTo(base);
      assertThat(out.path("personal").asText()).isEqualTo(personal).isNotEqualTo(base);
    }
  }
}
