/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * SQLite: one file in WAL mode, {@code synchronous=FULL} (a committed publish survives power loss),
 * {@code secure_delete=ON} (deleted content is overwritten with zeros), foreign keys on, a 30 s
 * busy timeout for concurrent writers. Watchers poll the change counter.
 */
final class SqliteDialect extends Dialect {
  private static final int BUSY_TIMEOUT_MS = 30_000;

  private final StoreConfig config;
  private final Path file;

  SqliteDialect(StoreConfig config) {
    this.config = config;
    this.file = fileOf(config.url());
  }

  /** The database file a {@code jdbc:sqlite:} URL names. */
  static Path fileOf(String url) {
    String rest = url.substring("jdbc:sqlite:".length());
    int q = rest.indexOf('?');
    String path = q >= 0 ? rest.substring(0, q) : rest;
    if (path.startsWith("file:")) {
      path = path.substring("file:".length());
    }
    if (path.isBlank() || path.toLowerCase(Locale.ROOT).contains(":memory:")) {
      throw new IllegalArgumentException(
          "store URL "
              + StoreInputs.quote(url)
              + " names no file: the SQLite store is one file shared by processes"
              + " (jdbc:sqlite:/path/to/store.db); an in-memory database is not");
    }
    return Path.of(path).toAbsolutePath().normalize();
  }

  /** The database file. */
  Path file() {
    return file;
  }

  @Override
  String migrations() {
    return "classpath:io/persona4j/serve/store/db/sqlite";
  }

  @Override
  HikariDataSource openPool() {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the store's directory " + file.getParent(), e);
    }
    SQLiteConfig c = new SQLiteConfig();
    c.setJournalMode(SQLiteConfig.JournalMode.WAL);
    c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    c.setBusyTimeout(BUSY_TIMEOUT_MS);
    c.enforceForeignKeys(true);
    c.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "true");
    SQLiteDataSource ds = new SQLiteDataSource(c);
    ds.setUrl("jdbc:sqlite:" + file);
    HikariConfig h = new HikariConfig();
    h.setDataSource(ds);
    h.setPoolName("persona4j-store-sqlite");
    h.setMaximumPoolSize(config.maxPoolSize());
    h.setMinimumIdle(1);
    h.setConnectionTimeout(Math.max(250, config.connectTimeout().toMillis()));
    h.setAutoCommit(true);
    return new HikariDataSource(h);
  }

  @Override
  boolean bumpCounterFirst() {
    return true;
  }

  @Override
  String lockRows() {
    return "";
  }

  @Override
  void beginRead(Connection c) throws SQLException {
    c.setAutoCommit(false);
  }

  @Override
  void announce(Connection c, long seq) {
    // Watchers poll store_state.change_seq.
  }

  @Override
  Residue afterErasure(DataSource ds) {
    String wal = file + "-wal";
    for (int attempt = 0; attempt < 20; attempt++) {
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
        if (rs.next() && rs.getInt(1) == 0) {
          return new Residue(
              true,
              "deleted pages were overwritten with zeros (secure_delete) and the write-ahead log"
                  + " was truncated; copies made outside the store (backups, file-system"
                  + " snapshots) and blocks the file system has not reused are beyond its reach");
        }
      } catch (SQLException e) {
        return new Residue(
            false, "checkpoint failed (" + e.getMessage() + "); old pages may remain in " + wal);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new Residue(
        false,
        "deleted pages were overwritten with zeros, but another process kept the write-ahead log"
            + " busy: earlier page images may remain in "
            + wal
            + " until its next full checkpoint (run 'persona4j store delete' again or 'compact')");
  }

  @Override
  void compact(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("VACUUM");
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  }

  @Override
  long storageBytes(Connection c) {
    long n = 0;
    for (Path p : new Path[] {file, Path.of(file + "-wal")}) {
      try {
        n += Files.exists(p) ? Files.size(p) : 0;
      } catch (IOException e) {
        // removed concurrently
      }
    }
    return n;
  }

  @Override
  ChangeWaiter newWaiter() {
    return new ChangeWaiter() {
      @Override
      public void await(Duration max) throws InterruptedException {
        Thread.sleep(max.toMillis());
      }

      @Override
      public void close() {}
    };
  }
}
