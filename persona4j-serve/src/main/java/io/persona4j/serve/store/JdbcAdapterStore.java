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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

  /** Changes kept in the change log; watchers further behind get {@link StoreEvent.Type#RESYNC}. */
  static final int RETAINED_CHANGES = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(JdbcAdapterStore.class);

  private final StoreConfig config;
  private final Dialect dialect;
  private final HikariDataSource pool;
  private final String display;
  private final ChangeFeed feed;

  private JdbcAdapterStore(StoreConfig config, Dialect dialect, HikariDataSource pool) {
    this.config = config;
    this.dialect = dialect;
    this.pool = pool;
    this.display = "adapter store " + config.displayUrl();
    this.feed = new ChangeFeed(dialect, pool, config.pollInterval(), display);
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

  // ---- writing --------------------------------------------------------------------------------

  @Override
  public PublishResult publish(PublishRequest request) {
    request.payload().checkLimits(config.limits());
    Inspection in = PayloadInspector.inspect(request);
    String user = request.userId();
    AdapterKind kind = in.kind();
    AdapterPayload payload = request.payload();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    AdapterEntry entry =
        write(
            "publish " + StoreInputs.describe(user, kind, 0),
            c -> {
              long seq = dialect.bumpCounterFirst() ? bumpCounter(c) : 0;
              try (PreparedStatement s =
                  c.prepareStatement(
                      "INSERT INTO adapter_heads (user_id, kind, active_version, next_version)"
                          + " VALUES (?, ?, NULL, 1) ON CONFLICT DO NOTHING")) {
                s.setString(1, user);
                s.setString(2, kind.id());
                s.executeUpdate();
              }
              long version;
              try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT next_version FROM adapter_heads WHERE user_id = ? AND kind = ?"
                          + dialect.lockRows())) {
                s.setString(1, user);
                s.setString(2, kind.id());
                try (ResultSet rs = s.executeQuery()) {
                  rs.next();
                  version = rs.getLong(1);
                }
              }
              AdapterEntry e =
                  AdapterEntry.builder()
                      .setUserId(user)
                      .setKind(kind)
                      .setVersion(version)
                      .setBaseModelFingerprint(in.fingerprint())
                      .optBaseModelCheck(in.check())
                      .optLora(in.lora())
                      .setPayload(payload)
                      .setCreatedAt(now)
                      .optSource(request.source())
                      .optActive(request.activate())
                      .build();
              long entryId = insertEntry(c, e);
              insertFiles(c, entryId, payload);
              try (PreparedStatement s =
                  c.prepareStatement(
                      "UPDATE adapter_heads SET next_version = ?"
                          + (request.activate() ? ", active_version = ?" : "")
                          + " WHERE user_id = ? AND kind = ?")) {
                int i = 1;
                s.setLong(i++, version + 1);
                if (request.activate()) {
                  s.setLong(i++, version);
                }
                s.setString(i++, user);
                s.setString(i, kind.id());
                s.executeUpdate();
              }
              if (request.activate()) {
                logChange(c, seq, StoreEvent.Type.PUBLISHED, user, kind, version);
              }
              return e;
            });
    for (String w : in.warnings()) {
      LOG.warn("{}: {}", display, w);
    }
    return new PublishResult(entry, in.warnings());
  }

  private static long insertEntry(Connection c, AdapterEntry e) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO adapter_entries (user_id, kind, version, base_fingerprint, base_check,"
                + " lora_rank, lora_alpha, lora_targets, byte_size, file_count, content_hash,"
                + " created_at, source_type, source_run, source_round, source_note)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING entry_id")) {
      LoraShape lora = e.lora();
      AdapterSource src = e.source();
      s.setString(1, e.userId());
      s.setString(2, e.kind().id());
      s.setLong(3, e.version());
      s.setString(4, e.baseModelFingerprint());
      s.setString(5, e.baseModelCheck().name());
      s.setObject(6, lora == null ? null : lora.rank(), java.sql.Types.INTEGER);
      s.setObject(7, lora == null ? null : lora.alpha(), java.sql.Types.DOUBLE);
      s.setString(8, EntryRows.targetsJson(lora));
      s.setLong(9, e.byteSize());
      s.setInt(10, e.fileCount());
      s.setString(11, e.contentHash());
      s.setLong(12, e.createdAt().toEpochMilli());
      s.setString(13, src.type().name());
      s.setString(14, src.run());
      s.setObject(15, src.round(), java.sql.Types.INTEGER);
      s.setString(16, src.note());
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void insertFiles(Connection c, long entryId, AdapterPayload payload)
      throws SQLException {
    try (PreparedStatement files =
            c.prepareStatement(
                "INSERT INTO adapter_files (entry_id, file_no, path, byte_size, sha256)"
                    + " VALUES (?, ?, ?, ?, ?)");
        PreparedStatement chunks =
            c.prepareStatement(
                "INSERT INTO adapter_chunks (entry_id, file_no, chunk_no, data)"
                    + " VALUES (?, ?, ?, ?)")) {
      int fileNo = 0;
      for (Map.Entry<String, byte[]> f : payload.files().entrySet()) {
        byte[] bytes = f.getValue();
        files.setLong(1, entryId);
        files.setInt(2, fileNo);
        files.setString(3, f.getKey());
        files.setLong(4, bytes.length);
        files.setString(5, ContentHash.ofBytes(bytes));
        files.executeUpdate();
        int n = Math.max(1, (bytes.length + EntryRows.CHUNK - 1) / EntryRows.CHUNK);
        for (int k = 0; k < n; k++) {
          int from = k * EntryRows.CHUNK;
          chunks.setLong(1, entryId);
          chunks.setInt(2, fileNo);
          chunks.setInt(3, k);
          chunks.setBytes(
              4, Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + EntryRows.CHUNK)));
          chunks.executeUpdate();
        }
        fileNo++;
      }
    }
  }

  @Override
  public AdapterEntry rollback(String userId, AdapterKind kind, long version) {
    StoreInputs.checkUserId(userId);
    requireKind(kind);
    requireVersion(version);
    String what = StoreInputs.describe(userId, kind, version);
    return write(
        "rollback " + what,
        c -> {
          long seq = dialect.bumpCounterFirst() ? bumpCounter(c) : 0;
          long active;
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT active_version FROM adapter_heads WHERE user_id = ? AND kind = ?"
                      + dialect.lockRows())) {
            s.setString(1, userId);
            s.setString(2, kind.id());
            try (ResultSet rs = s.executeQuery()) {
              if (!rs.next()) {
                throw new NoSuchAdapterException(
                    display
                        + ": "
                        + StoreInputs.describe(userId, kind, 0)
                        + ": nothing stored (no version to roll back to)");
              }
              active = rs.getLong(1);
            }
          }
          List<EntryRows.Row> rows =
              EntryRows.query(
                  c,
                  "WHERE e.user_id = ? AND e.kind = ? AND e.version = ?",
                  userId,
                  kind.id(),
                  version);
          if (rows.isEmpty()) {
            throw new NoSuchAdapterException(
                display + ": " + what + " does not exist; " + versionsText(c, userId, kind));
          }
          if (active == version) {
            return rows.get(0).entry();
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE adapter_heads SET active_version = ? WHERE user_id = ? AND kind = ?")) {
            s.setLong(1, version);
            s.setString(2, userId);
            s.setString(3, kind.id());
            s.executeUpdate();
          }
          logChange(c, seq, StoreEvent.Type.ROLLED_BACK, userId, kind, version);
          return rows.get(0).entry().withActive(true);
        });
  }

  private static String versionsText(Connection c, String userId, AdapterKind kind)
      throws SQLException {
    List<Long> versions = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT version FROM adapter_entries WHERE user_id = ? AND kind = ? ORDER BY version")) {
      s.setString(1, userId);
      s.setString(2, kind.id());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          versions.add(rs.getLong(1));
        }
      }
    }
    return versions.isEmpty()
        ? "the user has no " + kind.id() + " entries"
        : "the user's " + kind.id() + " versions are " + versions;
  }

  @Override
  public ErasureReport deleteUser(String userId) {
    StoreInputs.checkUserId(userId);
    long[] counts =
        write(
            "delete " + StoreInputs.describe(userId, null, 0),
            c -> {
              long seq = dialect.bumpCounterFirst() ? bumpCounter(c) : 0;
              int heads = 0;
              try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT kind FROM adapter_heads WHERE user_id = ?" + dialect.lockRows())) {
                s.setString(1, userId);
                try (ResultSet rs = s.executeQuery()) {
                  while (rs.next()) {
                    heads++;
                  }
                }
              }
              long versions;
              long bytes;
              try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT count(*), coalesce(sum(byte_size), 0) FROM adapter_entries"
                          + " WHERE user_id = ?")) {
                s.setString(1, userId);
                try (ResultSet rs = s.executeQuery()) {
                  rs.next();
                  versions = rs.getLong(1);
                  bytes = rs.getLong(2);
                }
              }
              String ofUser =
                  " WHERE entry_id IN (SELECT entry_id FROM adapter_entries WHERE user_id = ?)";
              update(c, "DELETE FROM adapter_chunks" + ofUser, userId);
              update(c, "DELETE FROM adapter_files" + ofUser, userId);
              update(c, "DELETE FROM adapter_entries WHERE user_id = ?", userId);
              update(c, "DELETE FROM adapter_heads WHERE user_id = ?", userId);
              update(
                  c,
                  "UPDATE store_changes SET change_type = 'REDACTED', user_id = NULL, kind = NULL,"
                      + " version = NULL WHERE user_id = ?",
                  userId);
              if (versions > 0 || heads > 0) {
                logChange(c, seq, StoreEvent.Type.ERASED, null, null, 0);
              }
              return new long[] {versions, bytes};
            });
    if (counts[0] == 0) {
      return new ErasureReport(userId, 0, 0, true, "nothing was stored for this user");
    }
    Dialect.Residue r = dialect.afterErasure(pool);
    return new ErasureReport(userId, (int) counts[0], counts[1], r.purged(), r.text());
  }

  private static void update(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, arg);
      s.executeUpdate();
    }
  }

  /** Increments the change counter and returns its new value. */
  private static long bumpCounter(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE store_state SET change_seq = change_seq + 1 WHERE id = 1");
      try (ResultSet rs = s.executeQuery("SELECT change_seq FROM store_state WHERE id = 1")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private void logChange(
      Connection c, long seq, StoreEvent.Type type, String user, AdapterKind kind, long version)
      throws SQLException {
    if (seq == 0) {
      seq = bumpCounter(c);
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO store_changes (seq, change_type, user_id, kind, version, changed_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      s.setLong(1, seq);
      s.setString(2, type.name());
      s.setString(3, user);
      s.setString(4, kind == null ? null : kind.id());
      s.setObject(5, version > 0 ? version : null, java.sql.Types.BIGINT);
      s.setLong(6, System.currentTimeMillis());
      s.executeUpdate();
    }
    long horizon = seq - RETAINED_CHANGES;
    if (horizon > 0 && seq % 256 == 0) {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM store_changes WHERE seq <= ?");
          PreparedStatement t =
              c.prepareStatement(
                  "UPDATE store_state SET pruned_through = ? WHERE id = 1 AND pruned_through < ?")) {
        s.setLong(1, horizon);
        s.executeUpdate();
        t.setLong(1, horizon);
        t.setLong(2, horizon);
        t.executeUpdate();
      }
    }
    dialect.announce(c, seq);
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
    String what = StoreInputs.describe(userId, kind, version);
    return read(
        "read " + what,
        c -> {
          List<EntryRows.Row> rows =
              EntryRows.query(
                  c,
                  "WHERE e.user_id = ? AND e.kind = ? AND e.version = ?",
                  userId,
                  kind.id(),
                  version);
          if (rows.isEmpty()) {
            throw new NoSuchAdapterException(
                display + ": " + what + " does not exist; " + versionsText(c, userId, kind));
          }
          return new StoredAdapter(
              rows.get(0).entry(), EntryRows.readPayload(c, rows.get(0), display));
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
