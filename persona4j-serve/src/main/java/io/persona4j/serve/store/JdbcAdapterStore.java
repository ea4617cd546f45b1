/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.zaxxer.hikari.HikariDataSource;
import io.persona4j.serve.store.PayloadInspector.Inspection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AdapterStore} on a JDBC database: the same SQL on SQLite and PostgreSQL, with the
 * differences in {@link Dialect}. Schema: {@code db/<backend>/V*.sql}, applied by Flyway (history
 * table {@value #HISTORY_TABLE}).
 */
final class JdbcAdapterStore implements AdapterStore {
  static final String HISTORY_TABLE = "persona4j_schema_history";

  private static final Logger LOG = LoggerFactory.getLogger(JdbcAdapterStore.class);

  private final StoreConfig config;
  private final Dialect dialect;
  private final HikariDataSource pool;
  private final String display;
  private final ChangeFeed feed;
  private final StoreWrites writes;

  private JdbcAdapterStore(StoreConfig config, Dialect dialect, HikariDataSource pool) {
    this.config = config;
    this.dialect = dialect;
    this.pool = pool;
    this.display = "adapter store " + config.displayUrl();
    this.feed = new ChangeFeed(dialect, pool, config.pollInterval(), display);
    this.writes = new StoreWrites(dialect, display, config.changeRetention());
  }

  static JdbcAdapterStore open(StoreConfig config) {
    Dialect dialect = Dialect.of(config);
    String display = "adapter store " + config.displayUrl();
    HikariDataSource pool;
    try {
      pool = dialect.openPool();
    } catch (RuntimeException e) {
      throw new AdapterStoreException(display + ": cannot connect: " + rootMessage(e), e);
    }
    try {
      migrate(pool, dialect);
    } catch (RuntimeException e) {
      pool.close();
      throw new AdapterStoreException(
          display + ": cannot create or migrate the schema: " + rootMessage(e), e);
    }
    return new JdbcAdapterStore(config, dialect, pool);
  }

  private static void migrate(HikariDataSource pool, Dialect dialect) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        Flyway.configure(JdbcAdapterStore.class.getClassLoader())
            .dataSource(pool)
            .locations(dialect.migrations())
            .table(HISTORY_TABLE)
            .load()
            .migrate();
        return;
      } catch (RuntimeException e) {
        // Another process may be creating the same schema at this moment: look again.
        last = e;
        try {
          Thread.sleep(200L * (attempt + 1));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw last;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    return StoreConfig.redact(m);
  }

  @Override
  public String displayUrl() {
    return config.displayUrl();
  }

  @Override
  public StoreConfig.Backend backend() {
    return config.backend();
  }

  @Override
  public PublishResult publish(PublishRequest request) {
    request.payload().checkLimits(config.limits());
    Inspection in = PayloadInspector.inspect(request);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    AdapterEntry entry =
        write(
            "publish " + StoreInputs.describe(request.userId(), in.kind(), 0),
            c -> writes.publish(c, request, in, now));
    for (String w : in.warnings()) {
      LOG.warn("{}: {}", display, w);
    }
    return new PublishResult(entry, in.warnings());
  }

  @Override
  public AdapterEntry rollback(String userId, AdapterKind kind, long version) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    requireVersion(version);
    return write(
        "rollback " + StoreInputs.describe(userId, kind, version),
        c -> writes.rollback(c, userId, kind, version));
  }

  @Override
  public ErasureReport deleteUser(String userId) {
    StoreInputs.checkUserId(userId);
    long[] counts =
        write("delete " + StoreInputs.describe(userId, null, 0), c -> writes.deleteUser(c, userId));
    if (counts[0] == 0) {
      return new ErasureReport(userId, 0, 0, true, "nothing was stored for this user");
    }
    Dialect.Residue r = dialect.afterErasure(pool);
    return new ErasureReport(userId, (int) counts[0], counts[1], r.purged(), r.text());
  }

  @Override
  public void compact() {
    try {
      dialect.compact(pool);
    } catch (SQLException e) {
      throw fail("compact", e);
    }
  }

  // ---- reading --------------------------------------------------------------------------------

  @Override
  public Optional<AdapterEntry> active(String userId, AdapterKind kind) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    return read(
        "read active " + StoreInputs.describe(userId, kind, 0),
        c ->
            EntryRows.query(
                    c,
                    "WHERE e.user_id = ? AND e.kind = ? AND h.active_version = e.version",
                    userId,
                    kind.id())
                .stream()
                .findFirst()
                .map(EntryRows.Row::entry));
  }

  @Override
  public OptionalLong activeVersion(String userId, AdapterKind kind) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    return read(
        "read active version " + StoreInputs.describe(userId, kind, 0),
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT active_version FROM adapter_heads WHERE user_id = ? AND kind = ?")) {
            s.setString(1, userId);
            s.setString(2, kind.id());
            try (ResultSet rs = s.executeQuery()) {
              if (rs.next()) {
                long v = rs.getLong(1);
                return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
              }
              return OptionalLong.empty();
            }
          }
        });
  }

  @Override
  public List<AdapterEntry> activeEntries(String userId) {
    StoreInputs.checkUserId(userId);
    return entries(
        "list active " + StoreInputs.describe(userId, null, 0),
        "WHERE e.user_id = ? AND h.active_version = e.version ORDER BY e.kind",
        userId);
  }

  @Override
  public List<AdapterEntry> activeEntries(java.util.Collection<String> userIds) {
    if (userIds.size() > 1000) {
      throw new IllegalArgumentException(
          userIds.size() + " user ids: at most 1000 per call (page through them)");
    }
    if (userIds.isEmpty()) {
      return List.of();
    }
    List<String> ids = List.copyOf(userIds);
    ids.forEach(StoreInputs::checkUserId);
    String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
    return entries(
        "list active entries of " + ids.size() + " users",
        "WHERE h.active_version = e.version AND e.user_id IN ("
            + marks
            + ") ORDER BY e.user_id, e.kind",
        ids.toArray());
  }

  @Override
  public Optional<AdapterEntry> entry(String userId, AdapterKind kind, long version) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    requireVersion(version);
    return entries(
            "read " + StoreInputs.describe(userId, kind, version),
            "WHERE e.user_id = ? AND e.kind = ? AND e.version = ?",
            userId,
            kind.id(),
            version)
        .stream()
        .findFirst();
  }

  @Override
  public List<AdapterEntry> list(String userId) {
    StoreInputs.checkUserId(userId);
    return entries(
        "list " + StoreInputs.describe(userId, null, 0),
        "WHERE e.user_id = ? ORDER BY e.kind, e.version",
        userId);
  }

  @Override
  public List<AdapterEntry> list(String userId, AdapterKind kind) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    return entries(
        "list " + StoreInputs.describe(userId, kind, 0),
        "WHERE e.user_id = ? AND e.kind = ? ORDER BY e.version",
        userId,
        kind.id());
  }

  private List<AdapterEntry> entries(String op, String where, Object... args) {
    return read(
        op, c -> EntryRows.query(c, where, args).stream().map(EntryRows.Row::entry).toList());
  }

  @Override
  public List<String> users(String afterUserId, int limit) {
    if (afterUserId != null) {
      StoreInputs.checkUserId(afterUserId);
    }
    if (limit < 1 || limit > 100_000) {
      throw new IllegalArgumentException("limit = " + limit + " must be in [1, 100000]");
    }
    return read(
        "list users",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT DISTINCT user_id FROM adapter_heads WHERE user_id > ?"
                      + " ORDER BY user_id LIMIT ?")) {
            s.setString(1, afterUserId == null ? "" : afterUserId);
            s.setInt(2, limit);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                out.add(rs.getString(1));
              }
            }
            return out;
          }
        });
  }

  @Override
  public StoredAdapter read(String userId, AdapterKind kind, long version) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    requireVersion(version);
    return read(
        "read " + StoreInputs.describe(userId, kind, version),
        c -> {
          EntryRows.Row row = EntryRows.require(c, userId, kind, version, display);
          return new StoredAdapter(row.entry(), EntryRows.readPayload(c, row, display));
        });
  }

  @Override
  public Optional<StoredAdapter> readActive(String userId, AdapterKind kind) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    return read(
        "read active " + StoreInputs.describe(userId, kind, 0),
        c -> {
          List<EntryRows.Row> rows =
              EntryRows.query(
                  c,
                  "WHERE e.user_id = ? AND e.kind = ? AND h.active_version = e.version",
                  userId,
                  kind.id());
          if (rows.isEmpty()) {
            return Optional.empty();
          }
          return Optional.of(
              new StoredAdapter(
                  rows.get(0).entry(), EntryRows.readPayload(c, rows.get(0), display)));
        });
  }

  @Override
  public StoreStats stats() {
    return read(
        "stats",
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT count(DISTINCT user_id), count(*), coalesce(sum(byte_size), 0)"
                          + " FROM adapter_entries")) {
            rs.next();
            return new StoreStats(
                rs.getLong(1), rs.getLong(2), rs.getLong(3), dialect.storageBytes(c));
          }
        });
  }

  @Override
  public StoreSubscription subscribe(StoreListener listener) {
    if (listener == null) {
      throw new IllegalArgumentException("listener is required");
    }
    try {
      return feed.subscribe(listener);
    } catch (SQLException e) {
      throw fail("subscribe", e);
    }
  }

  @Override
  public void close() {
    feed.close();
    pool.close();
  }

  @Override
  public String toString() {
    return display;
  }

  /** A connection from the store's pool, configured as the store's own (for tests). */
  Connection pooledConnection() throws SQLException {
    return pool.getConnection();
  }

  // ---- transactions ---------------------------------------------------------------------------

  /** Work in a transaction. */
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T write(String op, Work<T> work) {
    return transaction(op, false, work);
  }

  private <T> T read(String op, Work<T> work) {
    return transaction(op, true, work);
  }

  private <T> T transaction(String op, boolean readOnly, Work<T> work) {
    if (pool.isClosed()) {
      throw new AdapterStoreException(display + ": " + op + ": the store is closed");
    }
    try (Connection c = pool.getConnection()) {
      if (readOnly) {
        dialect.beginRead(c);
      } else {
        c.setAutoCommit(false);
      }
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw fail(op, e);
    }
  }

  private AdapterStoreException fail(String op, SQLException e) {
    return new AdapterStoreException(display + ": " + op + " failed: " + rootMessage(e), e);
  }

  private static void requireKind(AdapterKind kind) {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
  }

  private static void requireVersion(long version) {
    if (version < 1) {
      throw new IllegalArgumentException("version = " + version + " must be >= 1");
    }
  }
}
