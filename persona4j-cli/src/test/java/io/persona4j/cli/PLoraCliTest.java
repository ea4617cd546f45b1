/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.plora.PLoraFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --method plora}, {@code classify --user} and {@code plora enrol} on a tiny random
 * BERT: users "a" and "b" label every text "pos", users "c" and "d" every text "neg", so the label
 * depends on the user alone and only the user vector can tell (the shared path is at chance).
 */
class PLoraCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String[] GOOD = {"good", "great", "fine", "nice"};
  static final String[] BAD = {"bad", "awful", "poor", "ugly"};
  static final String[] NOUNS = {"movie", "song", "book", "meal"};

  @TempDir static Path tmp;
  static Path bert;
  static Path adapter;
  static CliTest.Run trained;

  /** {@code n} rows of {@code user} ({@code null}: no user field), all labelled "pos" or "neg". */
  static List<String> rows(String user, boolean positive, int n, int offset) {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean good = (i + offset) % 2 == 0;
      String adj = (good ? GOOD : BAD)[((i + offset) / 2) % 4];
      String noun = NOUNS[((i + offset) / 8) % NOUNS.length];
      var row =
          JSON.createObjectNode()
              .put("text", "a " + adj + " " + noun)
              .put("label", positive ? "pos" : "neg");
      if (user != null) {
        row.put("user", user);
      }
      rows.add(row.toString());
    }
    return rows;
  }

  @BeforeAll
  static void train() throws IOException {
    bert = CliTest.tinyBert(tmp.resolve("bert"));
    List<String> data = new ArrayList<>();
    data.addAll(rows("a", true, 24, 0));
    data.addAll(rows("b", true, 24, 1));
    data.addAll(rows("c", false, 24, 0));
    data.addAll(rows("d", false, 24, 1));
    Path file = Files.write(tmp.resolve("train.jsonl"), data, StandardCharsets.UTF_8);
    adapter = tmp.resolve("plora");
    trained =
        CliTest.run(
            "train",
            "--model",
            bert.toString(),
            "--data",
            file.toString(),
            "--method",
            "plora",
            "--lora-r",
            "4",
            "--user-dim",
            "8",
            "--max-steps",
            "80",
            "--batch-size",
            "16",
            "--lr",
            "1e-2",
            "--p-rate",
            "0.1",
            "--out",
            adapter.toString());
    assertThat(trained.code()).as(trained.err()).isZero();
  }

  static JsonNode classify(Path adapterDir, String user, String text) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of("classify", "--model", bert.toString(), "--adapter", adapterDir.toString()));
    if (user != null) {
      args.addAll(List.of("--user", user));
    }
    args.addAll(List.of("--text", text));
    CliTest.Run r = CliTest.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void trainWritesAPLoraAdapterWhoseUsersChangeTheAnswer() throws IOException {
    assertThat(trained.err()).contains("4 users", "PLoRA r 4", "d_u 8", "p_rate 0.1");
    for (String f :
        List.of(
            "adapter_config.json",
            "adapter_model.safetensors",
            PLoraFiles.CONFIG_FILE,
            PLoraFiles.USERS_FILE,
            PLoraFiles.USERS_WEIGHTS_FILE,
            "classifier.json",
            "metrics.jsonl")) {
      assertThat(adapter.resolve(f)).exists();
    }
    JsonNode a = classify(adapter, "a", "a good movie");
    JsonNode c = classify(adapter, "c", "a good movie");
    assertThat(a.get("mode").asText()).isEqualTo("personalized");
    assertThat(a.get("user").asText()).isEqualTo("a");
    assertThat(a.get("label").asText()).isEqualTo("pos");
    assertThat(c.get("label").asText()).isEqualTo("neg");
    JsonNode none = classify(adapter, null, "a good movie");
    assertThat(none.get("mode").asText()).isEqualTo("zero-shot");
    JsonNode unknown = classify(adapter, "zed", "a good movie");
    assertThat(unknown.get("mode").asText()).isEqualTo("zero-shot");
    assertThat(unknown.get("probabilities")).isEqualTo(none.get("probabilities"));
  }

  @Test
  void enrolFitsOnlyTheNewUserAndClassifyUsesIt() throws IOException {
    Path shots =
        Files.write(tmp.resolve("e.jsonl"), rows("e", false, 8, 0), StandardCharsets.UTF_8);
    Path out = tmp.resolve("plora-e");
    CliTest.Run r =
        CliTest.run(
            "plora",
            "enrol",
            "--model",
            bert.toString(),
            "--adapter",
            adapter.toString(),
            "--user",
            "e",
            "--data",
            shots.toString(),
            "--shots",
            "20",
            "--steps",
            "40",
            "--lr",
            "0.05",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("enrolled user 'e' from 8 examples in").contains(" s (40 steps");
    assertThat(r.err()).contains("fewer than --shots 20");
    for (String f :
        List.of("adapter_config.json", "adapter_model.safetensors", PLoraFiles.CONFIG_FILE)) {
      assertThat(Files.readAllBytes(out.resolve(f)))
          .isEqualTo(Files.readAllBytes(adapter.resolve(f)));
    }
    JsonNode zeroShot = classify(adapter, "e", "a good movie");
    JsonNode enrolled = classify(out, "e", "a good movie");
    assertThat(zeroShot.get("mode").asText()).isEqualTo("zero-shot");
    assertThat(enrolled.get("mode").asText()).isEqualTo("personalized");
    assertThat(enrolled.get("probabilities").get("neg").asDouble())
        .isGreaterThan(zeroShot.get("probabilities").get("neg").asDouble());
    // the others keep their answers
    assertThat(classify(out, "a", "a bad song")).isEqualTo(classify(adapter, "a", "a bad song"));

    // the same fit published to the store as a user_vector entry classifies the same
    String url = "jdbc:sqlite:" + tmp.resolve("store.db");
    CliTest.Run pub =
        CliTest.run(
            "plora",
            "enrol",
            "--model",
            bert.toString(),
            "--adapter",
            adapter.toString(),
            "--user",
            "e",
            "--data",
            shots.toString(),
            "--shots",
            "20",
            "--steps",
            "40",
            "--lr",
            "0.05",
            "--publish-to",
            url);
    assertThat(pub.code()).as(pub.err()).isZero();
    assertThat(pub.err()).contains("user_vector", "(active)");
    Path fetched = tmp.resolve("fetched");
    try (io.persona4j.serve.store.AdapterStore store =
        io.persona4j.serve.store.AdapterStore.open(url)) {
      var entry =
          store.readActive("e", io.persona4j.serve.store.AdapterKind.USER_VECTOR).orElseThrow();
      entry.payload().writeTo(fetched);
    }
    CliTest.Run viaStore =
        CliTest.run(
            "classify",
            "--model",
            bert.toString(),
            "--adapter",
            adapter.toString(),
            "--user-vector",
            fetched.toString(),
            "--text",
            "a good movie");
    assertThat(viaStore.code()).as(viaStore.err()).isZero();
    assertThat(JSON.readTree(viaStore.out())).isEqualTo(enrolled);

    CliTest.Run again =
        CliTest.run(
            "plora",
            "enrol",
            "--model",
            bert.toString(),
            "--adapter",
            out.toString(),
            "--user",
            "e",
            "--data",
            shots.toString(),
            "--out",
            tmp.resolve("x").toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("already has a vector", "--replace");
  }

  @Test
  void badInputIsRefusedNamingTheFieldOrOption() throws IOException {
    Path bad =
        Files.write(
            tmp.resolve("bad.jsonl"),
            List.of(
                "{\"text\": \"a good movie\", \"label\": \"pos\", \"usr\": \"a\"}",
                "{\"text\": \"a bad movie\", \"label\": \"neg\", \"user\": \"a\"}"),
            StandardCharsets.UTF_8);
    CliTest.Run r =
        CliTest.run(
            "train",
            "--model",
            bert.toString(),
            "--data",
            bad.toString(),
            "--method",
            "plora",
            "--out",
            tmp.resolve("bad").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.jsonl:1", "usr", "unknown field");
    Path ok = tmp.resolve("train.jsonl");
    CliTest.Run misplaced =
        CliTest.run(
            "train",
            "--model",
            bert.toString(),
            "--data",
            ok.toString(),
            "--p-rate",
            "0.2",
            "--out",
            tmp.resolve("m").toString());
    assertThat(misplaced.code()).isEqualTo(1);
    assertThat(misplaced.err()).contains("--p-rate", "--method plora");
    CliTest.Run userOnLora =
        CliTest.run(
            "classify",
            "--model",
            bert.toString(),
            "--adapter",
            tmp.resolve("nope").toString(),
            "--user",
            "a",
            "--text",
            "x");
    assertThat(userOnLora.code()).isEqualTo(1);
    CliTest.Run badUser =
        CliTest.run(
            "plora",
            "enrol",
            "--model",
            bert.toString(),
            "--adapter",
            adapter.toString(),
            "--user",
            "a b",
            "--data",
            ok.toString(),
            "--out",
            tmp.resolve("y").toString());
    assertThat(badUser.code()).isEqualTo(1);
    assertThat(badUser.err()).contains("user id 'a b'");
  }
}
