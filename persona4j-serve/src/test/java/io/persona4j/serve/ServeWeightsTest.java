/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server started with int8 decode weights answers what {@code generate --weights int8} does. */
class ServeWeightsTest {
  @TempDir Path dir;

  @Test
  void int8ServedCompletionsEqualGenerateWithInt8Weights() throws Exception {
    Path model = ServeFixtures.model(dir.resolve("tiny"), true);
    Path adapter = ServeFixtures.adapter(model, 8, 100, dir.resolve("user0"));
    InMemoryUserAdapters source = new InMemoryUserAdapters();
    source.publish("user0", adapter);
    try (PersonaServer server =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(source)
                .optWeights(WeightPrecision.INT8)
                .optPort(0)
                .start();
        Tokenizer tok = Tokenizer.fromDirectory(model)) {
      HttpTestClient http = new HttpTestClient(server.url());
      for (String user : new String[] {"user0", null}) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "tiny");
        body.put("prompt", "Once upon");
        body.put("max_tokens", 12);
        body.put("temperature", 0);
        if (user != null) {
          body.put("user", user);
        }
        String got =
            http.post("/v1/completions", body).json().path("choices").get(0).path("text").asText();
        long[] want =
            ServeFixtures.generateTokens(
                model, user == null ? null : adapter, "Once upon", 12, 0f, 0, WeightPrecision.INT8);
        assertThat(got).as("user %s", user).isEqualTo(tok.decode(want, true));
      }
    }
  }
}
