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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The store contract on a real PostgreSQL server, and what erasure and compaction leave. */
class PostgresAdapterStoreTest extends AdapterStoreContract {
  private String database;

  @Override
  StoreConfig.Builder newStore() {
    database = SharedPostgres.newDatabase("contract");
    return sameStore();
  }

  @Override
  StoreConfig.Builder sameStore() {
    return SharedPostgres.cluster().storeConfig(database);
  }

  @Override
  Connection connect() throws SQLException {
    return SharedPostgres.cluster().connect(database);
  }

  @Test
  void credentialsNeverAppearInMessages() {
    String url =
        SharedPostgres.cluster().url(database) + "?user=persona4j&password=" + "hunter2-secret";
    assertThat(StoreConfig.redact(url)).doesNotContain("hunter2").contains("password=***");
    try (AdapterStore s = AdapterStore.open(StoreConfig.builder().setUrl(url).build())) {
      assertThat(s.displayUrl()).doesNotContain("hunter2");
      assertThat(s.toString()).doesNotContain("hunter2");
    } catch (AdapterStoreException e) {
      // wrong password: the message must not carry it either
      assertThat(e.getMessage()).doesNotContain("hunter2");
    }
  }

  @Test
  void afterCompactionTheDatabaseFilesHoldNoTraceOfADeletedUser() throws Exception {
    byte[] marker = new byte[48];
    new Random(12).nextBytes(marker);
    String secret = "secret-" + HexFormat.of().formatHex(marker);
    AdapterPayload payload =
        new TestAdapters.Lora(llama)
            .seed(78)
            .file("notes.txt", secret.getBytes(StandardCharsets.UTF_8))
            .payload(tmp);
    byte[] weights = payload.bytes("adapter_model.safetensors");
    byte[] window = java.util.Arrays.copyOfRange(weights, weights.length - 64, weights.length);
    String user = "victim-8e2b1d@example.org";
    publish(user, payload);
    publish(user, payload);
    publish("bystander", lora(5));
    Path dbDir = databaseDirectory();
    checkpoint();
    assertThat(anyFileContains(dbDir, secret.getBytes(StandardCharsets.UTF_8))).isTrue();

    ErasureReport r = store.deleteUser(user);
    assertThat(r.versionsDeleted()).isEqualTo(2);
    assertThat(r.physicallyPurged()).isFalse();
    assertThat(r.residue()).contains("VACUUM");
    try (Connection c = connect()) {
      assertThat(count(c, "SELECT count(*) FROM adapter_entries WHERE user_id = '" + user + "'"))
          .isZero();
      assertThat(count(c, "SELECT count(*) FROM store_changes WHERE user_id = '" + user + "'"))
          .isZero();
      String toast = toastOf(c, "adapter_chunks");
      assertThat(count(c, "SELECT count(*) FROM " + toast)).isPositive(); // the bystander's
    }
    store.compact();
    dbDir = databaseDirectory();
    assertThat(anyFileContains(dbDir, secret.getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(anyFileContains(dbDir, window)).isFalse();
    assertThat(anyFileContains(dbDir, user.getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(store.readActive("bystander", AdapterKind.LORA).orElseThrow().payload())
        .isEqualTo(lora(5));
  }

  private void checkpoint() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    }
  }

  private Path databaseDirectory() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT oid FROM pg_database WHERE datname = current_database()")) {
      rs.next();
      return SharedPostgres.cluster().dataDirectory().resolve("base").resolve(rs.getString(1));
    }
  }

  private static String toastOf(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT reltoastrelid::regclass FROM pg_class WHERE relname = '" + table + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static boolean anyFileContains(Path dir, byte[] needle) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (SqliteAdapterStoreTest.contains(f, needle)) {
          return true;
        }
      }
    }
    return false;
  }
}
