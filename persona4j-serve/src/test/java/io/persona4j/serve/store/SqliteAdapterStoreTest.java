/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The store contract on SQLite, and what erasure leaves in the database file. */
class SqliteAdapterStoreTest extends AdapterStoreContract {
  private Path file;

  @Override
  StoreConfig.Builder newStore() {
    file = tmp.resolve("store").resolve("adapters.db");
    return sameStore();
  }

  @Override
  StoreConfig.Builder sameStore() {
    return StoreConfig.builder().setUrl("jdbc:sqlite:" + file);
  }

  @Override
  Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file);
  }

  @Test
  void theStoreIsOneFileInWalModeWithSecureDelete() throws Exception {
    publish("a", lora(1));
    assertThat(Files.isRegularFile(file)).isTrue();
    try (Connection c = connect()) {
      assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
    }
    try (Connection c = ((JdbcAdapterStore) store).pooledConnection()) {
      assertThat(pragma(c, "secure_delete")).isEqualTo("1");
      assertThat(pragma(c, "synchronous")).isEqualTo("2"); // FULL
    }
  }

  private static String pragma(Connection c, String name) throws SQLException {
    try (var s = c.createStatement();
        var rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void deletedUsersLeaveNoTraceInTheDatabaseFileOrItsLog() throws Exception {
    byte[] marker = new byte[48];
    new Random(11).nextBytes(marker);
    String secret = "secret-" + HexFormat.of().formatHex(marker);
    AdapterPayload payload =
        new TestAdapters.Lora(llama)
            .seed(77)
            .file("notes.txt", secret.getBytes(StandardCharsets.UTF_8))
            .payload(tmp);
    byte[] weights = payload.bytes("adapter_model.safetensors");
    byte[] weightWindow =
        java.util.Arrays.copyOfRange(weights, weights.length - 64, weights.length);
    String user = "victim-7f3a9c@example.org";
    for (int i = 0; i < 3; i++) {
      publish(user, payload);
      store.rollback(user, AdapterKind.LORA, 1);
    }
    publish("bystander", lora(5));
    assertThat(contains(file, user.getBytes(StandardCharsets.UTF_8)) || containsWal(user))
        .as("the user id is in the files before deletion")
        .isTrue();
    assertThat(contains(file, weightWindow) || containsWal(weightWindow)).isTrue();

    ErasureReport r = store.deleteUser(user);
    assertThat(r.physicallyPurged()).as(r.residue()).isTrue();
    for (Path f : new Path[] {file, Path.of(file + "-wal"), Path.of(file + "-shm")}) {
      if (Files.exists(f)) {
        assertThat(contains(f, user.getBytes(StandardCharsets.UTF_8))).as(f + " user id").isFalse();
        assertThat(contains(f, secret.getBytes(StandardCharsets.UTF_8))).as(f + " file").isFalse();
        assertThat(contains(f, weightWindow)).as(f + " weights").isFalse();
      }
    }
    assertThat(store.readActive("bystander", AdapterKind.LORA).orElseThrow().payload())
        .isEqualTo(lora(5));
  }

  private boolean containsWal(String s) throws Exception {
    return containsWal(s.getBytes(StandardCharsets.UTF_8));
  }

  private boolean containsWal(byte[] b) throws Exception {
    Path wal = Path.of(file + "-wal");
    return Files.exists(wal) && contains(wal, b);
  }

  static boolean contains(Path f, byte[] needle) throws Exception {
    byte[] hay = Files.readAllBytes(f);
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Test
  void compactShrinksTheFileAfterDeletion() throws Exception {
    for (int i = 0; i < 4; i++) {
      publish("big" + i, lora(i));
    }
    for (int i = 0; i < 4; i++) {
      store.deleteUser("big" + i);
    }
    long before = Files.size(file);
    store.compact();
    assertThat(Files.size(file)).isLessThan(before);
    assertThat(store.stats().entries()).isZero();
  }
}
