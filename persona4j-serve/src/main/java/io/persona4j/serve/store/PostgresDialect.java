/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * PostgreSQL: a HikariCP pool; reads in REPEATABLE READ snapshots; writers lock the user's head
 * rows ({@code SELECT ... FOR UPDATE}) and, just before commit, the one-row change counter, so that
 * change numbers follow commit order; {@code pg_notify} wakes watchers in other processes, which
 * {@code LISTEN} on a dedicated connection.
 */
final class PostgresDialect extends Dialect {
  /** The NOTIFY channel. */
  static final String CHANNEL = "persona4j_store";

  static final String TABLES =
      "adapter_chunks, adapter_files, adapter_entries, adapter_heads, store_changes, store_state";

  private final StoreConfig config;

  PostgresDialect(StoreConfig config) {
    this.config = config;
  }

  @Override
  String migrations() {
    return "classpath:io/persona4j/serve/store/db/postgresql";
  }

  @Override
  HikariDataSource openPool() {
    HikariConfig h = new HikariConfig();
    h.setJdbcUrl(config.url());
    if (config.user() != null) {
      h.setUsername(config.user());
    }
    if (config.password() != null) {
      h.setPassword(config.password());
    }
    h.setPoolName("persona4j-store-postgresql");
    h.setMaximumPoolSize(config.maxPoolSize());
    h.setMinimumIdle(1);
    h.setConnectionTimeout(Math.max(250, config.connectTimeout().toMillis()));
    h.setAutoCommit(true);
    h.addDataSourceProperty("ApplicationName", "persona4j-store");
    return new HikariDataSource(h);
  }

  @Override
  boolean bumpCounterFirst() {
    return false;
  }

  @Override
  String lockRows() {
    return " FOR UPDATE";
  }

  @Override
  void beginRead(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    c.setReadOnly(true);
  }

  @Override
  void announce(Connection c, long seq) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      s.setString(1, CHANNEL);
      s.setString(2, Long.toString(seq));
      s.execute();
    }
  }

  @Override
  Residue afterErasure(DataSource ds) {
    return new Residue(
        false,
        "the rows are gone from every table, but PostgreSQL keeps deleted rows' bytes in its data"
            + " files until VACUUM reclaims the space and new rows overwrite it, and in WAL segments"
            + " and backups until they are recycled; 'persona4j store delete --compact' (VACUUM"
            + " FULL) rewrites the store's tables without them");
  }

  @Override
  void compact(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      s.execute("VACUUM FULL " + TABLES);
      s.execute("CHECKPOINT");
    } catch (SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        throw new SQLException(
            e.getMessage() + " (VACUUM FULL and CHECKPOINT need the tables' owner or a superuser)",
            e.getSQLState(),
            e);
      }
      throw e;
    }
  }

  @Override
  long storageBytes(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(string_to_array('"
                    + TABLES.replace(" ", "")
                    + "', ',')) AS t")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  @Override
  ChangeWaiter newWaiter() throws SQLException {
    Properties p = new Properties();
    if (config.user() != null) {
      p.setProperty("user", config.user());
    }
    if (config.password() != null) {
      p.setProperty("password", config.password());
    }
    p.setProperty("ApplicationName", "persona4j-store-watcher");
    p.setProperty(
        "connectTimeout", Long.toString(Math.max(1, config.connectTimeout().toSeconds())));
    Connection c = DriverManager.getConnection(config.url(), p);
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + CHANNEL);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    return new ChangeWaiter() {
      @Override
      public void await(Duration max) throws SQLException {
        pg.getNotifications((int) Math.max(1, Math.min(Integer.MAX_VALUE, max.toMillis())));
      }

      @Override
      public void close() {
        try {
          c.close();
        } catch (SQLException e) {
          // closing anyway
        }
      }
    };
  }
}
