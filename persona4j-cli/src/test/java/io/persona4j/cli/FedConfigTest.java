/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.app.AggregationStrategy;
import io.persona4j.federated.app.FederatedLoraConfig;
import io.persona4j.federated.app.LoraClientSettings;
import io.persona4j.federated.app.SecAggSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FedConfigTest {
  @TempDir Path dir;

  private Path write(String json) throws IOException {
    return Files.writeString(dir.resolve("server.json"), json);
  }

  @Test
  void minimalConfigGetsDocumentedDefaults() throws IOException {
    FedConfig c =
        FedConfig.load(write("{\"baseModel\": \"m\", \"lora\": {\"r\": 8, \"alpha\": 16}}"));
    assertThat(c.port()).isZero();
    assertThat(c.bindHost()).isEqualTo("127.0.0.1");
    FederatedLoraConfig run = c.run();
    assertThat(run.strategy()).isEqualTo(AggregationStrategy.FEDAVG);
    assertThat(run.strategy().label()).isEqualTo("fedavg");
    assertThat(run.mu()).isZero();
    assertThat(run.lora().targets()).containsExactly("q_proj", "v_proj");
    assertThat(run.lora().dropout()).isZero();
    assertThat(run.rounds()).isEqualTo(1);
    assertThat(run.minReplies()).isEqualTo(run.minClients()).isEqualTo(1);
    assertThat(run.secagg().protocol().label()).isEqualTo("none");
    assertThat(run.secagg().enabled()).isFalse();
    assertThat(run.distributedDp()).isFalse();
    assertThat(run.secagg().modulusBits()).isEqualTo(48);
    assertThat(FedConfig.resolve(dir.resolve("server.json"), "m")).isEqualTo(dir.resolve("m"));
  }

  @Test
  void fedProxSecAggPlusAndDpParse() throws IOException {
    FedConfig c =
        FedConfig.load(
            write(
                "{\"baseModel\": \"m\", \"lora\": {\"r\": 2, \"alpha\": 4, \"targets\": [\"q_proj\"]},"
                    + " \"strategy\": \"fedprox\", \"mu\": 0.1, \"secagg\": \"secagg+\","
                    + " \"dp\": {\"clip\": 1.0, \"noiseMultiplier\": 1.1, \"delta\": 1e-5}}"));
    assertThat(c.run().mu()).isEqualTo(0.1);
    assertThat(c.run().secagg().enabled()).isTrue();
    assertThat(c.run().distributedDp()).isTrue(); // default with secure aggregation
    assertThat(c.run().clientSettings().toInstructionConfig())
        .containsEntry(LoraClientSettings.LORA_TARGETS, "q_proj")
        .containsEntry(LoraClientSettings.LORA_R, 2);
  }

  @Test
  void errorsNameTheFileTheFieldAndTheValue() throws IOException {
    String base = "{\"baseModel\": \"m\", \"lora\": {\"r\": 8, \"alpha\": 16}, ";
    record Case(String json, List<String> expected) {}
    for (Case k :
        List.of(
            new Case(base + "\"rounds\": 0}", List.of("'rounds'", "got 0")),
            new Case(
                "{\"baseModel\": \"m\", \"lora\": {\"r\": 0, \"alpha\": 16}}",
                List.of("'lora.r'", "got 0")),
            new Case(base + "\"strategy\": \"fedsgd\"}", List.of("'strategy'", "'fedsgd'")),
            new Case(base + "\"secagg\": \"yes\"}", List.of("'secagg'", "'yes'")),
            new Case(base + "\"mu\": 0.5}", List.of("'mu'", "fedprox", "0.5")),
            new Case(
                base + "\"dp\": {\"clip\": 1, \"noiseMultiplier\": 1, \"delta\": 2}}",
                List.of("'dp.delta'", "got 2.0")),
            new Case(
                base
                    + "\"secagg\": \"secagg\", \"dp\": {\"clip\": 1, \"noiseMultiplier\": 1,"
                    + " \"delta\": 1e-5, \"mode\": \"central\"}}",
                List.of("'dp.mode'", "distributed")),
            new Case(base + "\"rounds\": 2, \"roundz\": 3}", List.of("roundz", "line 1")),
            new Case(base + "\"rounds\": \"two\"}", List.of("'rounds'", "two")),
            new Case("{\"baseModel\": \"m\",\n \"lora\": {\"r\": 8,,}}", List.of("line 2")))) {
      assertThatThrownBy(() -> FedConfig.load(write(k.json())))
          .as(k.json())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("server.json")
          .satisfies(e -> assertThat(e.getMessage()).contains(k.expected()));
    }
  }

  @Test
  void tokensFileErrorsNameTheFileAndClient() throws IOException {
    Path ok =
        Files.writeString(dir.resolve("t.json"), "{\"b\": \"token-b-123\", \"a\": \"token-a-1\"}");
    assertThat(FedFiles.tokens(ok)).containsOnlyKeys("a", "b").containsEntry("a", "token-a-1");
    Path shortToken = Files.writeString(dir.resolve("s.json"), "{\"a\": \"short\"}");
    assertThatThrownBy(() -> FedFiles.tokens(shortToken))
        .hasMessageContaining("s.json")
        .hasMessageContaining("'a'")
        .hasMessageContaining("8 characters");
  }

  @Test
  void simulationClientIdsAreTheDataFileNames() throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    for (String n : List.of("carol", "alice", "bob")) {
      Files.writeString(data.resolve(n + ".jsonl"), "{\"text\": \"x\"}\n");
    }
    Files.writeString(data.resolve("notes.txt"), "ignored");
    assertThat(FedSimulateCommand.clientFiles(List.of(data), 2).keySet())
        .containsExactly("alice", "bob");
    assertThatThrownBy(() -> FedSimulateCommand.clientFiles(List.of(data), 4))
        .hasMessageContaining("3 .jsonl files")
        .hasMessageContaining("--clients 4");
    assertThat(SecAggSettings.defaultDegree(3)).isEqualTo(4);
    assertThat(SecAggSettings.defaultDegree(1000)).isEqualTo(20);
  }

  @Test
  void theDocumentedExampleConfigIsValid() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "FEDERATED.md"));
    int start = doc.indexOf("```json\n") + "```json\n".length();
    String json = doc.substring(start, doc.indexOf("```", start));
    FedConfig c = FedConfig.load(write(json));
    assertThat(c.run().strategy()).isEqualTo(AggregationStrategy.FEDPROX);
    assertThat(c.tls().certificateIdentity()).isTrue();
    assertThat(c.run().dp().epsilonBudget()).isEqualTo(8.0);
    assertThat(c.run().distributedDp()).isTrue();
  }
}
