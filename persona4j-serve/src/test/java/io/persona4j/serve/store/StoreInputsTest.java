/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation of user ids, kinds, file paths, payload limits and sources. */
class StoreInputsTest {
  @TempDir Path tmp;

  @Test
  void userIds() {
    for (String ok :
        new String[] {"a", "alice@example.org", "user-1_2.3+tag:x=y", "x".repeat(128)}) {
      assertThat(StoreInputs.checkUserId(ok)).isEqualTo(ok);
    }
    assertThatThrownBy(() -> StoreInputs.checkUserId(null))
        .hasMessageContaining("user id is empty");
    assertThatThrownBy(() -> StoreInputs.checkUserId("x".repeat(129)))
        .hasMessageContaining("has 129 characters");
    assertThatThrownBy(() -> StoreInputs.checkUserId("bad\u0000id"))
        .hasMessageContaining("'bad\\u0000id': character '\\u0000' at index 3 is not allowed");
    assertThatThrownBy(() -> StoreInputs.checkUserId("../etc"))
        .hasMessageContaining("character '/' at index 2");
    assertThatThrownBy(() -> StoreInputs.checkUserId("ünï")).hasMessageContaining("'\\u00fc");
  }

  @Test
  void kinds() {
    assertThat(AdapterKind.of("LoRA")).isEqualTo(AdapterKind.LORA);
    assertThat(AdapterKind.of("user_vector")).isEqualTo(AdapterKind.USER_VECTOR);
    assertThatThrownBy(() -> AdapterKind.of("adapter"))
        .hasMessageContaining("kind 'adapter' is not an adapter kind")
        .hasMessageContaining("lora, classifier, moe, soft_prompt, user_vector");
  }

  @Test
  void paths() {
    for (String ok :
        new String[] {"adapter_config.json", "local/adapter_model.safetensors", ".x"}) {
      assertThat(StoreInputs.checkPath(ok)).isEqualTo(ok);
    }
    for (String bad :
        new String[] {"", "/etc/passwd", "a//b", "a/../b", "./a", "a/", "a\\b", "a b"}) {
      assertThatThrownBy(() -> StoreInputs.checkPath(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> AdapterPayload.of(Map.of("a", new byte[1], "a/b", new byte[1])))
        .hasMessageContaining("both a file 'a' and 'a/b'");
    assertThatThrownBy(() -> AdapterPayload.of(Map.of())).hasMessageContaining("holds no files");
  }

  @Test
  void limits() {
    StoreLimits l = new StoreLimits(2, 10, 15);
    assertThatThrownBy(() -> AdapterPayload.of(Map.of("a", new byte[11]), l))
        .hasMessageContaining("file 'a' has 11 bytes, more than the limit of 10");
    assertThatThrownBy(() -> AdapterPayload.of(Map.of("a", new byte[8], "b", new byte[8]), l))
        .hasMessageContaining("holds 16 bytes, more than the limit of 15");
    assertThatThrownBy(
            () ->
                AdapterPayload.of(Map.of("a", new byte[1], "b", new byte[1], "c", new byte[1]), l))
        .hasMessageContaining("holds 3 files, more than the limit of 2");
    assertThatThrownBy(() -> new StoreLimits(0, 1, 1)).hasMessageContaining("maxFiles = 0");
  }

  @Test
  void directoriesAreReadWithoutFollowingLinksAndWrittenOnlyIntoEmptyPlaces() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("adapter/sub"));
    Files.writeString(dir.resolve("x.json"), "{}", StandardCharsets.UTF_8);
    Files.writeString(tmp.resolve("adapter/a.txt"), "a", StandardCharsets.UTF_8);
    AdapterPayload p = AdapterPayload.readDirectory(tmp.resolve("adapter"));
    assertThat(p.paths()).containsExactly("a.txt", "sub/x.json");
    assertThat(p.origin()).hasValue(tmp.resolve("adapter").toString());

    Files.createSymbolicLink(tmp.resolve("adapter/link"), Path.of("/etc/hostname"));
    assertThatThrownBy(() -> AdapterPayload.readDirectory(tmp.resolve("adapter")))
        .hasMessageContaining("link is a symbolic link");
    Files.delete(tmp.resolve("adapter/link"));
    Files.writeString(tmp.resolve("adapter/bad name.txt"), "x");
    assertThatThrownBy(() -> AdapterPayload.readDirectory(tmp.resolve("adapter")))
        .hasMessageContaining("character ' ' is not allowed");
    assertThatThrownBy(() -> AdapterPayload.readDirectory(tmp.resolve("missing")))
        .hasMessageContaining("adapter directory not found");

    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("keep.txt"), "mine");
    assertThatThrownBy(() -> p.writeTo(full)).hasMessageContaining("must be new or empty");
    assertThat(Files.readString(full.resolve("keep.txt"))).isEqualTo("mine");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    p.writeTo(empty);
    assertThat(AdapterPayload.readDirectory(empty)).isEqualTo(p);
    try (var s = Files.list(tmp)) {
      assertThat(s.map(x -> x.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
  }

  @Test
  void contentHashCoversPathsAndBytes() {
    AdapterPayload a = AdapterPayload.of(Map.of("a", new byte[] {1, 2}, "b", new byte[] {3}));
    AdapterPayload moved = AdapterPayload.of(Map.of("a", new byte[] {1}, "b", new byte[] {2, 3}));
    AdapterPayload renamed = AdapterPayload.of(Map.of("c", new byte[] {1, 2}, "b", new byte[] {3}));
    assertThat(a.contentHash())
        .isNotEqualTo(moved.contentHash())
        .isNotEqualTo(renamed.contentHash());
    assertThat(AdapterPayload.of(Map.of("b", new byte[] {3}, "a", new byte[] {1, 2}))).isEqualTo(a);
    assertThat(a.contentHash()).matches("sha256:[0-9a-f]{64}");
  }

  @Test
  void sources() {
    assertThat(AdapterSource.federated("fellrec-1", 7, null).describe())
        .isEqualTo("federated fellrec-1 round 7");
    assertThatThrownBy(() -> new AdapterSource(AdapterSource.Type.TRAINING, "r", 3, null))
        .hasMessageContaining("only meaningful for a FEDERATED source");
    assertThatThrownBy(() -> AdapterSource.federated("r", -1, null))
        .hasMessageContaining("must be >= 0");
    assertThatThrownBy(() -> AdapterSource.manual("x".repeat(1001)))
        .hasMessageContaining("source note");
    assertThatThrownBy(() -> AdapterSource.training("a\tb", null))
        .hasMessageContaining("control character");
  }

  @Test
  void storeUrlsAndCredentials() {
    assertThat(StoreConfig.defaultUrl(Map.of(), "/home/u"))
        .isEqualTo("jdbc:sqlite:/home/u/.local/share/persona4j/store.db");
    assertThat(StoreConfig.defaultUrl(Map.of("XDG_DATA_HOME", "/d"), "/home/u"))
        .isEqualTo("jdbc:sqlite:/d/persona4j/store.db");
    assertThat(StoreConfig.defaultUrl(Map.of(StoreConfig.ENV_URL, "jdbc:postgresql://h/db"), "/h"))
        .isEqualTo("jdbc:postgresql://h/db");
    assertThatThrownBy(() -> StoreConfig.builder().setUrl("mysql://x").build())
        .hasMessageContaining("is not supported: use jdbc:sqlite:FILE");
    assertThatThrownBy(() -> AdapterStore.open("jdbc:sqlite::memory:"))
        .hasMessageContaining("names no file");
    StoreConfig c =
        StoreConfig.fromEnvironment(
            "jdbc:postgresql://h/db", Map.of("PGUSER", "u", StoreConfig.ENV_PASSWORD, "pw"));
    assertThat(c.user()).isEqualTo("u");
    assertThat(c.password()).isEqualTo("pw");
    assertThat(c.toString()).doesNotContain("pw");
    assertThat(StoreConfig.redact("jdbc:postgresql://h/db?user=u&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
    assertThat(
            StoreConfig.fromEnvironment("jdbc:sqlite:/x.db", Map.of("PGPASSWORD", "p")).password())
        .isNull();
  }
}
