/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.serve.store.LocalPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j store ...} and {@code train --publish-to} on SQLite and PostgreSQL. */
class StoreCliTest {
  @TempDir static Path tmp;
  static Path llama;
  static Path otherLlama;
  static Path trained;
  static String sqlite;
  static CliTest.Run train;

  @BeforeAll
  static void trainAndPublish() throws Exception {
    llama = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    otherLlama = tmp.resolve("llama-b"); // same shapes, other weights
    CliTest.Run init =
        CliTest.run(
            "model",
            "init",
            "--family",
            "llama",
            "--layers",
            "2",
            "--hidden",
            "32",
            "--heads",
            "4",
            "--kv-heads",
            "2",
            "--vocab",
            "300",
            "--std",
            "0.2",
            "--seed",
            "2",
            "--out",
            otherLlama.toString());
    assertThat(init.code()).as(init.err()).isZero();
    Path data = Files.write(tmp.resolve("data.jsonl"), TrainCliTest.rows(), StandardCharsets.UTF_8);
    trained = tmp.resolve("adapter");
    sqlite = "jdbc:sqlite:" + tmp.resolve("store/adapters.db");
    train =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            data.toString(),
            "--out",
            trained.toString(),
            "--max-steps",
            "2",
            "--batch-size",
            "8",
            "--publish-to",
            sqlite,
            "--user",
            "alice");
  }

  @Test
  void trainPublishesAndTheStoreCommandsManageVersions() throws Exception {
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(train.err()).contains("published user 'alice' kind lora version 1 (active)");
    JsonNode published =
        TrainCliTest.JSON.readTree(train.out().lines().reduce((a, b) -> b).orElseThrow());
    assertThat(published.get("source").get("type").asText()).isEqualTo("training");
    assertThat(published.get("rank").asInt()).isEqualTo(8);

    CliTest.Run put =
        CliTest.run(
            "store",
            "put",
            "--store",
            sqlite,
            "--user",
            "alice",
            "--adapter",
            trained.toString(),
            "--model",
            llama.toString(),
            "--note",
            "by hand");
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(put.err()).contains("kind lora version 2 (active)");

    CliTest.Run list = CliTest.run("store", "list", "--store", sqlite, "--user", "alice");
    assertThat(list.code()).as(list.err()).isZero();
    List<String> lines = list.out().lines().toList();
    assertThat(lines.get(0)).startsWith("USER").contains("VERSION").contains("SOURCE");
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).contains("alice").contains("lora").contains("training train-");
    assertThat(lines.get(2)).contains("*").contains("manual");

    Path v1 = tmp.resolve("v1");
    CliTest.Run get =
        CliTest.run(
            "store",
            "get",
            "--store",
            sqlite,
            "--user",
            "alice",
            "--version",
            "1",
            "--out",
            v1.toString());
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.err()).contains("version 1").contains("verified");
    // train publishes the adapter, not the run's metrics, plot or checkpoints
    try (var s = Files.list(v1)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("adapter_config.json", "adapter_model.safetensors");
    }
    assertThat(Files.readAllBytes(v1.resolve("adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(trained.resolve("adapter_model.safetensors")));
    Path active = tmp.resolve("active");
    assertThat(
            CliTest.run(
                    "store",
                    "get",
                    "--store",
                    sqlite,
                    "--user",
                    "alice",
                    "--out",
                    active.toString())
                .code())
        .isZero();
    assertThat(Files.readAllBytes(active.resolve("loss.png")))
        .isEqualTo(
            Files.readAllBytes(trained.resolve("loss.png"))); // put stores the whole directory

    CliTest.Run rollback =
        CliTest.run("store", "rollback", "--store", sqlite, "--user", "alice", "--to", "1");
    assertThat(rollback.code()).as(rollback.err()).isZero();
    assertThat(rollback.err()).contains("user 'alice' kind lora version 1 is now active");
    CliTest.Run json = CliTest.run("store", "list", "--store", sqlite, "--json");
    JsonNode row = TrainCliTest.JSON.readTree(json.out().trim());
    assertThat(row.get("version").asInt()).isEqualTo(1);
    assertThat(row.get("active").asBoolean()).isTrue();

    CliTest.Run missing =
        CliTest.run("store", "rollback", "--store", sqlite, "--user", "alice", "--to", "7");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .contains(sqlite)
        .contains("user 'alice' kind lora version 7 does not exist")
        .contains("[1, 2]");

    CliTest.Run delete = CliTest.run("store", "delete", "--store", sqlite, "--user", "alice");
    assertThat(delete.code()).as(delete.err()).isZero();
    assertThat(delete.err()).contains("deleted user 'alice': 2 versions").contains("on disk: ");
    CliTest.Run gone =
        CliTest.run(
            "store",
            "get",
            "--store",
            sqlite,
            "--user",
            "alice",
            "--out",
            tmp.resolve("x").toString());
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err())
        .contains("user 'alice' has no active lora entry (nothing stored for this user)");
  }

  @Test
  void badInputIsRefusedWithClearMessages() throws Exception {
    String url = "jdbc:sqlite:" + tmp.resolve("bad/s.db");
    CliTest.Run other =
        CliTest.run(
            "store",
            "put",
            "--store",
            url,
            "--user",
            "bob",
            "--adapter",
            trained.toString(),
            "--model",
            otherLlama.toString());
    // train records the base model's fingerprint in the adapter: another base is refused
    assertThat(other.code()).isEqualTo(1);
    assertThat(other.err())
        .contains("user 'bob'")
        .contains(ModelFingerprint.of(llama))
        .contains(ModelFingerprint.of(otherLlama));
    Path wide = TrainCliTest.initLlama(tmp.resolve("llama-wide"), "48");
    CliTest.Run wrong =
        CliTest.run(
            "store",
            "put",
            "--store",
            url,
            "--user",
            "bob",
            "--adapter",
            trained.toString(),
            "--model",
            wide.toString());
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("user 'bob'").contains("sha256:");
    CliTest.Run user =
        CliTest.run(
            "store",
            "put",
            "--store",
            url,
            "--user",
            "bob smith",
            "--adapter",
            trained.toString(),
            "--model",
            llama.toString());
    assertThat(user.code()).isEqualTo(1);
    assertThat(user.err()).contains("user id 'bob smith': character ' ' at index 3 is not allowed");
    CliTest.Run kind =
        CliTest.run(
            "store", "get", "--store", url, "--user", "bob", "--kind", "adaptr", "--out", "x");
    assertThat(kind.err()).contains("kind 'adaptr' is not an adapter kind");
    CliTest.Run scheme = CliTest.run("store", "list", "--store", "mysql://h/db");
    assertThat(scheme.code()).isEqualTo(1);
    assertThat(scheme.err()).contains("is not supported: use jdbc:sqlite:FILE");
    CliTest.Run noUser =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            tmp.resolve("data.jsonl").toString(),
            "--out",
            tmp.resolve("never").toString(),
            "--publish-to",
            url);
    assertThat(noUser.code()).isEqualTo(1);
    assertThat(noUser.err()).contains("--publish-to needs --user ID");
  }

  @Test
  void postgresqlStoresWorkTheSameWithCredentialsInTheUrl() throws Exception {
    try (LocalPostgres pg = LocalPostgres.builder().optFsync(false).build()) {
      pg.createDatabase("cli");
      String url = pg.url("cli") + "?user=" + LocalPostgres.USER + "&password=" + pg.password();
      CliTest.Run put =
          CliTest.run(
              "store",
              "put",
              "--store",
              url,
              "--user",
              "carol",
              "--adapter",
              trained.toString(),
              "--model",
              llama.toString());
      assertThat(put.code()).as(put.err()).isZero();
      assertThat(put.err()).doesNotContain(pg.password()).contains("password=***");
      CliTest.Run list = CliTest.run("store", "list", "--store", url);
      assertThat(list.out()).contains("carol");
      Path out = tmp.resolve("pg-out");
      assertThat(
              CliTest.run(
                      "store", "get", "--store", url, "--user", "carol", "--out", out.toString())
                  .code())
          .isZero();
      assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors")))
          .isEqualTo(Files.readAllBytes(trained.resolve("adapter_model.safetensors")));
      CliTest.Run delete =
          CliTest.run("store", "delete", "--store", url, "--user", "carol", "--compact");
      assertThat(delete.code()).as(delete.err()).isZero();
      assertThat(delete.err()).contains("compacted");
    }
  }
}
