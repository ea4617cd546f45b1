/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.adapters.plora.PLoraFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j train --method plora} with {@code --checkpoint-every} and {@code --resume}: N
 * steps in one run equal N/2, a checkpoint and N/2 resumed, byte for byte (A, B, P, the head and
 * every user's vector), with both dropouts and personalized dropout drawing.
 */
class PLoraResumeCliTest {
  static Path data(Path file, String... users) throws IOException {
    List<String> rows = new ArrayList<>();
    for (int u = 0; u < users.length; u++) {
      rows.addAll(PLoraCliTest.rows(users[u], u % 2 == 0, 20, u));
    }
    return Files.write(file, rows, StandardCharsets.UTF_8);
  }

  static CliTest.Run train(Path bert, Path data, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--model",
                bert.toString(),
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--method",
                "plora",
                "--lora-r",
                "4",
                "--user-dim",
                "8",
                "--lora-dropout",
                "0.3",
                "--p-rate",
                "0.3",
                "--batch-size",
                "8",
                "--lr",
                "1e-2",
                "--schedule",
                "constant"));
    args.addAll(List.of(extra));
    return CliTest.run(args.toArray(String[]::new));
  }

  static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void resumedRunEqualsAnUninterruptedOneByteForByte(@TempDir Path tmp) throws IOException {
    Path bert = CliTest.tinyBert(tmp.resolve("bert"));
    Path data = data(tmp.resolve("train.jsonl"), "a", "b", "c", "d");
    Path whole = tmp.resolve("whole");
    Path parts = tmp.resolve("parts");
    CliTest.Run w = train(bert, data, whole, "--max-steps", "8");
    assertThat(w.code()).as(w.err()).isZero();
    CliTest.Run first = train(bert, data, parts, "--max-steps", "4", "--checkpoint-every", "2");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(parts.resolve("checkpoints")).isDirectory();
    CliTest.Run resumed = train(bert, data, parts, "--max-steps", "8", "--resume");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("trained 4 steps (resumed; now at step 8)");
    for (String f :
        List.of(
            "adapter_model.safetensors",
            "adapter_config.json",
            PLoraFiles.CONFIG_FILE,
            PLoraFiles.USERS_FILE,
            PLoraFiles.USERS_WEIGHTS_FILE)) {
      assertThat(sha256(parts.resolve(f))).as(f).isEqualTo(sha256(whole.resolve(f)));
    }
    // the run did something: the user vectors are no longer the zeros they started as
    byte[] zeros =
        new byte[Math.toIntExact(Files.size(whole.resolve(PLoraFiles.USERS_WEIGHTS_FILE)))];
    assertThat(Files.readAllBytes(whole.resolve(PLoraFiles.USERS_WEIGHTS_FILE)))
        .isNotEqualTo(zeros);

    // a resumed run already at its last step trains nothing and says so
    CliTest.Run again = train(bert, data, parts, "--max-steps", "8", "--resume");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).contains("nothing to train");
  }

  @Test
  void resumeNeedsCheckpointsAndTheSameUsers(@TempDir Path tmp) throws IOException {
    Path bert = CliTest.tinyBert(tmp.resolve("bert"));
    Path data = data(tmp.resolve("train.jsonl"), "a", "b", "c");
    CliTest.Run none = train(bert, data, tmp.resolve("fresh"), "--max-steps", "4", "--resume");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("--resume", "no checkpoints");

    Path out = tmp.resolve("out");
    CliTest.Run first = train(bert, data, out, "--max-steps", "2", "--checkpoint-every", "2");
    assertThat(first.code()).as(first.err()).isZero();
    Path other = data(tmp.resolve("other.jsonl"), "a", "x", "c");
    CliTest.Run wrong = train(bert, other, out, "--max-steps", "4", "--resume");
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("user table", "row 1", "'b'", "'x'");
  }
}
