/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Maps entry rows to {@link AdapterEntry} and reads and verifies payloads. */
final class EntryRows {
  /** Bytes per stored chunk of a file. */
  static final int CHUNK = 1 << 20;

  static final String SELECT =
      "SELECT e.entry_id, e.user_id, e.kind, e.version, e.base_fingerprint, e.base_check,"
          + " e.lora_rank, e.lora_alpha, e.lora_targets, e.byte_size, e.file_count,"
          + " e.content_hash, e.created_at, e.source_type, e.source_run, e.source_round,"
          + " e.source_note, CASE WHEN h.active_version = e.version THEN 1 ELSE 0 END AS active"
          + " FROM adapter_entries e LEFT JOIN adapter_heads h"
          + " ON h.user_id = e.user_id AND h.kind = e.kind";

  private static final ObjectMapper JSON = new ObjectMapper();

  private EntryRows() {}

  /** An entry and its row id. */
  record Row(long entryId, AdapterEntry entry) {}

  static List<Row> query(Connection c, String where, Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " " + where)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(map(rs));
        }
      }
      return rows;
    }
  }

  /**
   * The row of one version.
   *
   * @throws NoSuchAdapterException naming the versions that exist, if it does not
   */
  static Row require(Connection c, String userId, AdapterKind kind, long version, String store)
      throws SQLException {
    List<Row> rows =
        query(
            c, "WHERE e.user_id = ? AND e.kind = ? AND e.version = ?", userId, kind.id(), version);
    if (rows.isEmpty()) {
      throw new NoSuchAdapterException(
          store
              + ": "
              + StoreInputs.describe(userId, kind, version)
              + " does not exist; "
              + versionsText(c, userId, kind));
    }
    return rows.get(0);
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

  static Row map(ResultSet rs) throws SQLException {
    long id = rs.getLong("entry_id");
    try {
      Integer rank = (Integer) nullable(rs, rs.getInt("lora_rank"));
      LoraShape lora =
          rank == null
              ? null
              : new LoraShape(
                  rank, rs.getDouble("lora_alpha"), targets(rs.getString("lora_targets")));
      Integer round = (Integer) nullable(rs, rs.getInt("source_round"));
      AdapterSource source =
          new AdapterSource(
              AdapterSource.Type.valueOf(rs.getString("source_type")),
              rs.getString("source_run"),
              round,
              rs.getString("source_note"));
      AdapterEntry e =
          AdapterEntry.builder()
              .setUserId(rs.getString("user_id"))
              .setKind(AdapterKind.of(rs.getString("kind")))
              .setVersion(rs.getLong("version"))
              .setBaseModelFingerprint(rs.getString("base_fingerprint"))
              .optBaseModelCheck(BaseModelCheck.valueOf(rs.getString("base_check")))
              .optLora(lora)
              .setContent(
                  rs.getLong("byte_size"), rs.getInt("file_count"), rs.getString("content_hash"))
              .setCreatedAt(Instant.ofEpochMilli(rs.getLong("created_at")))
              .optSource(source)
              .optActive(rs.getInt("active") == 1)
              .build();
      return new Row(id, e);
    } catch (IllegalArgumentException e) {
      throw new CorruptAdapterException(
          "adapter_entries row " + id + " holds an invalid value: " + e.getMessage());
    }
  }

  private static Object nullable(ResultSet rs, int value) throws SQLException {
    return rs.wasNull() ? null : value;
  }

  static String targetsJson(LoraShape lora) {
    try {
      return lora == null ? null : JSON.writeValueAsString(lora.targets());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> targets(String json) {
    if (json == null) {
      return List.of();
    }
    try {
      return JSON.readValue(json, new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("lora_targets is not a JSON list of strings: " + json);
    }
  }

  /**
   * Reads the payload of {@code row} and verifies each file's hash and the entry's content hash.
   *
   * @throws CorruptAdapterException naming user, kind, version (and file) on any mismatch
   */
  static AdapterPayload readPayload(Connection c, Row row, String store) throws SQLException {
    AdapterEntry e = row.entry();
    String what = store + ": " + e.describe();
    List<String> paths = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT file_no, path, byte_size, sha256 FROM adapter_files WHERE entry_id = ?"
                + " ORDER BY file_no")) {
      s.setLong(1, row.entryId());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          if (rs.getInt("file_no") != paths.size()) {
            throw corrupt(what, "file numbers are not 0, 1, 2, ...");
          }
          long size = rs.getLong("byte_size");
          if (size < 0 || size > StoreLimits.HARD_MAX_FILE_BYTES) {
            throw corrupt(what, "file " + rs.getString("path") + " has size " + size);
          }
          String path = rs.getString("path");
          try {
            StoreInputs.checkPath(path);
          } catch (IllegalArgumentException bad) {
            throw corrupt(what, bad.getMessage());
          }
          paths.add(path);
          contents.add(new byte[(int) size]);
          hashes.add(rs.getString("sha256"));
        }
      }
    }
    if (paths.size() != e.fileCount()) {
      throw corrupt(
          what, "it records " + e.fileCount() + " files, " + paths.size() + " were found");
    }
    long[] filled = new long[paths.size()];
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT file_no, chunk_no, data FROM adapter_chunks WHERE entry_id = ?"
                + " ORDER BY file_no, chunk_no")) {
      s.setLong(1, row.entryId());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          int f = rs.getInt(1);
          int chunk = rs.getInt(2);
          byte[] data = rs.getBytes(3);
          if (f < 0 || f >= paths.size()) {
            throw corrupt(what, "a chunk belongs to file number " + f + ", which does not exist");
          }
          byte[] into = contents.get(f);
          long at = (long) chunk * CHUNK;
          if (at != filled[f] || data == null || at + data.length > into.length) {
            throw corrupt(what, "file " + paths.get(f) + ": chunk " + chunk + " is out of place");
          }
          System.arraycopy(data, 0, into, (int) at, data.length);
          filled[f] += data.length;
        }
      }
    }
    TreeMap<String, byte[]> files = new TreeMap<>();
    for (int i = 0; i < paths.size(); i++) {
      if (filled[i] != contents.get(i).length) {
        throw corrupt(
            what,
            "file "
                + paths.get(i)
                + " has "
                + filled[i]
                + " of its "
                + contents.get(i).length
                + " bytes");
      }
      String h = ContentHash.ofBytes(contents.get(i));
      if (!h.equals(hashes.get(i))) {
        throw corrupt(
            what, "file " + paths.get(i) + " hashes to " + h + ", recorded " + hashes.get(i));
      }
      files.put(paths.get(i), contents.get(i));
    }
    AdapterPayload p = AdapterPayload.trusted(files);
    if (!p.contentHash().equals(e.contentHash())) {
      throw corrupt(what, "content hashes to " + p.contentHash() + ", recorded " + e.contentHash());
    }
    return p;
  }

  private static CorruptAdapterException corrupt(String what, String detail) {
    return new CorruptAdapterException(
        what
            + " is corrupt: "
            + detail
            + " (the database was changed outside the store or its storage is damaged; publish"
            + " the adapter again or roll back to another version)");
  }
}
