/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/** What differs between the store's backends; everything else is the same SQL. */
abstract sealed class Dialect permits SqliteDialect, PostgresDialect {
  static Dialect of(StoreConfig config) {
    return switch (config.backend()) {
      case SQLITE -> new SqliteDialect(config);
      case POSTGRESQL -> new PostgresDialect(config);
    };
  }

  /** The Flyway location of the migrations. */
  abstract String migrations();

  /** A connection pool; connections are configured for the store. */
  abstract HikariDataSource openPool();

  /**
   * Whether a write transaction bumps the change counter first (SQLite: that takes the database's
   * write lock before anything is read) rather than last (PostgreSQL: a short global section just
   * before commit, so that sequence numbers follow commit order).
   */
  abstract boolean bumpCounterFirst();

  /** Appended to the SELECT that reads a user's head rows in a write transaction. */
  abstract String lockRows();

  /** Starts a read transaction that sees one snapshot. */
  abstract void beginRead(Connection c) throws SQLException;

  /** Announces change {@code seq} to other processes at commit (PostgreSQL NOTIFY). */
  abstract void announce(Connection c, long seq) throws SQLException;

  /** What deleted rows leave on disk after an erasure has committed, and purges what it can. */
  abstract Residue afterErasure(DataSource ds);

  /** See {@link AdapterStore#compact()}. */
  abstract void compact(DataSource ds) throws SQLException;

  /** Bytes the store occupies on disk. */
  abstract long storageBytes(Connection c) throws SQLException;

  /** Waits for a possible change; one per watcher thread. */
  abstract ChangeWaiter newWaiter() throws SQLException;

  /** What remains after an erasure. */
  record Residue(boolean purged, String text) {}

  /** Blocks until a change may have happened. */
  interface ChangeWaiter extends AutoCloseable {
    /** Returns after at most {@code max}, earlier when woken by a notification. */
    void await(Duration max) throws SQLException, InterruptedException;

    @Override
    void close();
  }
}
