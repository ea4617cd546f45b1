/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import io.persona4j.federated.AccountingLog;
import io.persona4j.federated.AccountingRecord;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.privacy.PrivacyStack;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.privacy.RandomSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java application embedding a federated LoRA run through the public API of {@code
 * io.persona4j.federated.app} alone (in-memory grid, a tiny random Llama on disk). {@link #train}
 * is the README's example, character for character.
 */
class FederatedLoraEmbeddingTest {
  @TempDir static Path dir;
  static Path model;
  static Path data;

  @BeforeAll
  static void tinyModelAndThreeClients() throws IOException {
    model = TinyFederation.model(dir);
    data = TinyFederation.data(dir);
  }

  // README-BEGIN: federated
  static FederatedLoraRun.Result train(Path modelDir, Path dataDir, Path out) throws IOException {
    FederatedLoraConfig config =
        FederatedLoraConfig.builder()
            .setLora(LoraSettings.builder().setR(4).setAlpha(8).build())
            .optRounds(3)
            .optMinClients(3)
            .optLocalSteps(2)
            .optLearningRate(1e-2)
            .optSeed(7)
            .build();
    try (LoraBase base = new LoraBase(modelDir)) {
      Map<String, ClientApp> clients = new TreeMap<>();
      for (String id : List.of("alice", "bob", "carol")) {
        List<Example> examples =
            FederatedLoraClient.readExamples(
                base, dataDir.resolve(id + ".jsonl"), 64, JsonlDataset.OnMalformed.FAIL);
        ClientApp train = FederatedLoraClient.builder().setBase(base).setExamples(examples).build();
        clients.put(id, new PrivacyStack(train, RandomSource.secure()));
      }
      try (InMemoryGrid grid = new InMemoryGrid(clients, 1)) {
        return FederatedLoraRun.builder()
            .setConfig(config)
            .setBase(base)
            .setGrid(grid)
            .setOutput(out)
            .build()
            .run();
      }
    }
  }

  // README-END: federated

  @Test
  void anApplicationRunsFederatedLoraThroughThePublicApi() throws IOException {
    FederatedLoraRun.Result r = train(model, data, dir.resolve("run"));
    assertThat(r.state().round()).isEqualTo(3);
    assertThat(r.adapter().resolve("adapter_model.safetensors")).isRegularFile();
    assertThat(r.adapter().resolve("adapter_config.json")).isRegularFile();
    assertThat(Files.readAllBytes(r.chart())).startsWith(0x89, 'P', 'N', 'G');
    assertThat(r.epsilon()).isNull();
    assertThat(r.stoppedBy()).isNull();
    // one successful attempt per round, every client valid, losses falling on the shared adapter
    List<AccountingRecord.Round> ok = AccountingLog.okRounds(AccountingLog.read(r.log()));
    assertThat(ok).extracting(AccountingRecord.Round::round).containsExactly(1, 2, 3);
    assertThat(ok).allSatisfy(o -> assertThat(o.validReplies()).isEqualTo(3));
    assertThat(ok.get(2).meanLoss()).isLessThan(ok.get(0).meanLoss());
    // the adapter moved away from its initialization (LoRA B starts at zero)
    float[] trained = r.state().global().flatten();
    double norm = 0;
    for (float v : trained) {
      norm += v * v;
    }
    assertThat(norm).isPositive();
    // the same config, clients and seeds give the same adapter bit for bit
    FederatedLoraRun.Result again = train(model, data, dir.resolve("again"));
    assertThat(again.state().global()).isEqualTo(r.state().global());
    assertThat(Files.readAllBytes(again.adapter().resolve("adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(r.adapter().resolve("adapter_model.safetensors")));
  }

  @Test
  void anExistingCheckpointIsNeverOverwrittenSilently() throws IOException {
    Path out = dir.resolve("twice");
    train(model, data, out);
    assertThatThrownBy(() -> train(model, data, out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a checkpoint exists in " + out.resolve("checkpoints"));
  }

  @Test
  void theReadmeShowsThisExampleVerbatim() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/io/persona4j/federated/app/FederatedLoraEmbeddingTest.java"));
    Matcher m =
        Pattern.compile(
                "// README-BEGIN: federated\n(.*?)\n\\s*// README-END: federated", Pattern.DOTALL)
            .matcher(source);
    assertThat(m.find()).as("markers in the test source").isTrue();
    String example = dedent(m.group(1)).strip();
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher block =
        Pattern.compile("<!-- federated-example -->\n```java\n(.*?)\n```", Pattern.DOTALL)
            .matcher(readme);
    assertThat(block.find()).as("README.md has the federated example block").isTrue();
    assertThat(block.group(1).strip()).isEqualTo(example);
  }

  /** Removes the common two-space class-member indentation. */
  private static String dedent(String s) {
    StringBuilder b = new StringBuilder();
    for (String line : s.split("\n", -1)) {
      b.append(line.startsWith("  ") ? line.substring(2) : line).append('\n');
    }
    return b.toString();
  }
}
