/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import io.persona4j.serve.store.PayloadInspector.Inspection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * The store's write transactions (each method runs inside one that the caller opened and commits):
 * publish, rollback, delete, and the change log they append to. See docs/ADAPTER-STORE.md for the
 * locking order (head rows, then the change counter).
 */
final class StoreWrites {
  private final Dialect dialect;
  private final String display;
  private final int retained;
  private final int pruneEvery;

  /**
   * @param retained changes kept in the change log; watchers further behind get {@link
   *     StoreEvent.Type#RESYNC}
   */
  StoreWrites(Dialect dialect, String display, int retained) {
    this.dialect = dialect;
    this.display = display;
    this.retained = retained;
    this.pruneEvery = Math.max(1, Math.min(256, retained / 4));
  }

  /** Stores the checked payload as the user's next version (and activates it if asked). */
  AdapterEntry publish(Connection c, PublishRequest request, Inspection in, Instant now)
      throws SQLException {
    long seq = dialect.bumpCounterFirst() ? bumpCounter(c) : 0;
    String user = request.userId();
    AdapterKind kind = in.kind();
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
            .setPayload(request.payload())
            .setCreatedAt(now)
            .optSource(request.source())
            .optActive(request.activate())
            .build();
    long entryId = insertEntry(c, e);
    insertFiles(c, entryId, request.payload());
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
      s.setObject(6, lora == null ? null : lora.rank(), Types.INTEGER);
      s.setObject(7, lora == null ? null : lora.alpha(), Types.DOUBLE);
      s.setString(8, EntryRows.targetsJson(lora));
      s.setLong(9, e.byteSize());
      s.setInt(10, e.fileCount());
      s.setString(11, e.contentHash());
      s.setLong(12, e.createdAt().toEpochMilli());
      s.setString(13, src.type().name());
      s.setString(14, src.run());
      s.setObject(15, src.round(), Types.INTEGER);
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

  /** Makes {@code version} active; returns its entry. */
  AdapterEntry rollback(Connection c, String userId, AdapterKind kind, long version)
      throws SQLException {
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
    EntryRows.Row row = EntryRows.require(c, userId, kind, version, display);
    if (active == version) {
      return row.entry();
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
    return row.entry().withActive(true);
  }

  /** Deletes everything of the user; returns {versions, bytes} deleted. */
  long[] deleteUser(Connection c, String userId) throws SQLException {
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
            "SELECT count(*), coalesce(sum(byte_size), 0) FROM adapter_entries WHERE user_id = ?")) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        versions = rs.getLong(1);
        bytes = rs.getLong(2);
      }
    }
    String ofUser = " WHERE entry_id IN (SELECT entry_id FROM adapter_entries WHERE user_id = ?)";
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

  /**
   * Appends a change (bumping the counter now if the dialect did not at the start), prunes the log
   * to its last {@code retained} changes now and then, and announces the change.
   */
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
      s.setObject(5, version > 0 ? version : null, Types.BIGINT);
      s.setLong(6, System.currentTimeMillis());
      s.executeUpdate();
    }
    long horizon = seq - retained;
    if (horizon > 0 && seq % pruneEvery == 0) {
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
}
