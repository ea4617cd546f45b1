/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 during publish: a child JVM publishes one user's adapter in a loop and is killed ({@link
 * Process#destroyForcibly()}, SIGKILL) at a random moment, several times; after each kill this
 * process opens the store and checks that the active version is the last committed one (or the one
 * being committed), readable with a verified hash, and that no half-written entry is visible.
 */
class CrashDuringPublishTest {
  private static final int ROUNDS = 5;
  private static final String USER = "crash-test-user";

  @TempDir Path tmp;

  @Test
  void sqlite() throws Exception {
    Path file = tmp.resolve("crash.db");
    String url = "jdbc:sqlite:" + file;
    crashRepeatedly(url, Map.of(), StoreConfig.builder().setUrl(url));
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("ok");
    }
  }

  @Test
  void postgresql() throws Exception {
    LocalPostgres pg = SharedPostgres.cluster();
    String db = SharedPostgres.newDatabase("crash");
    crashRepeatedly(
        pg.url(db),
        Map.of(StoreConfig.ENV_USER, LocalPostgres.USER, StoreConfig.ENV_PASSWORD, pg.password()),
        pg.storeConfig(db));
  }

  private void crashRepeatedly(String url, Map<String, String> env, StoreConfig.Builder config)
      throws Exception {
    Path base = TestAdapters.llamaBase(tmp.resolve("base"), 5);
    long seed = new SecureRandom().nextLong();
    Random random = new Random(seed);
    long committed = 0;
    int killedMidPublish = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      String context = "seed " + seed + ", round " + round;
      Process child = start(url, base, env, random.nextLong());
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = pump(child, lines);
      List<String> seen = new ArrayList<>();
      int waitFor = 1 + random.nextInt(3);
      int commits = 0;
      while (commits < waitFor) {
        String line = lines.poll(60, TimeUnit.SECONDS);
        assertThat(line).as("child output (%s): %s", context, seen).isNotNull();
        seen.add(line);
        if (line.startsWith("committed ")) {
          commits++;
          committed = Math.max(committed, Long.parseLong(line.substring(10)));
        }
      }
      Thread.sleep(random.nextInt(120));
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(5000);
      lines.drainTo(seen);
      String last = seen.get(seen.size() - 1);
      for (String l : seen) {
        if (l.startsWith("committed ")) {
          committed = Math.max(committed, Long.parseLong(l.substring(10)));
        }
      }
      if (last.startsWith("begin ")) {
        killedMidPublish++;
      }
      checkConsistent(config, committed, context);
    }
    assertThat(killedMidPublish)
        .as("kills that landed while a publish was under way (seed %d)", seed)
        .isPositive();
  }

  private static void checkConsistent(StoreConfig.Builder config, long committed, String context)
      throws SQLException {
    try (AdapterStore store = AdapterStore.open(config.build())) {
      StoredAdapter active = store.readActive(USER, AdapterKind.LORA).orElseThrow();
      long v = active.entry().version();
      assertThat(v)
          .as("active version after the kill (%s): committed %d", context, committed)
          .isBetween(committed, committed + 1);
      List<AdapterEntry> all = store.list(USER, AdapterKind.LORA);
      assertThat(all).extracting(AdapterEntry::version).last().isEqualTo(v);
      for (AdapterEntry e : all) {
        StoredAdapter s = store.read(USER, AdapterKind.LORA, e.version()); // verifies the hash
        assertThat(s.payload().paths()).contains("adapter_config.json", "blob.bin");
      }
      try (Connection c = ((JdbcAdapterStore) store).pooledConnection()) {
        assertThat(
                AdapterStoreContract.count(
                    c,
                    "SELECT count(*) FROM adapter_heads h WHERE next_version <> 1 + (SELECT"
                        + " max(version) FROM adapter_entries e WHERE e.user_id = h.user_id AND"
                        + " e.kind = h.kind)"))
            .as("head rows agree with the entries (%s)", context)
            .isZero();
        assertThat(
                AdapterStoreContract.count(
                    c,
                    "SELECT count(*) FROM adapter_files WHERE entry_id NOT IN (SELECT entry_id"
                        + " FROM adapter_entries)"))
            .isZero();
        assertThat(
                AdapterStoreContract.count(
                    c,
                    "SELECT count(*) FROM adapter_chunks WHERE entry_id NOT IN (SELECT entry_id"
                        + " FROM adapter_entries)"))
            .isZero();
      }
    }
  }

  private Process start(String url, Path base, Map<String, String> env, long seed)
      throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Djava.io.tmpdir=" + tmp,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                PublishLoop.class.getName(),
                url,
                base.toString(),
                USER,
                Long.toString(seed))
            .redirectErrorStream(true);
    pb.environment().putAll(env);
    return pb.start();
  }

  private static Thread pump(Process p, BlockingQueue<String> lines) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                // the process died
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }
}
