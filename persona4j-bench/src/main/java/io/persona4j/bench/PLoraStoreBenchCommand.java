/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.adapters.plora.UserVectorFile;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterPayload;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.PublishRequest;
import io.persona4j.serve.store.StoreConfig;
import io.persona4j.serve.store.StoreStats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * PLoRA user vectors in the adapter store (SQLite) at 10^5 and 10^6 users: bytes on disk per user
 * and the latency of a get (read and verify a user's active vector) and of a lookup (the active
 * version). The first {@code --api-users} users are published through {@link AdapterStore#publish}
 * (one transaction each, their put latency measured); the rest are inserted in bulk with the
 * store's own rows and hashes (the same schema, indexes, file hashes and content hash as a publish
 * writes, in transactions of 10,000 users) because a million single-transaction publishes do not
 * fit a session on this machine. Every get goes through the store's API and verifies its hashes,
 * and sampled entries are parsed as user vector files.
 */
@Command(
    name = "plora-store",
    mixinStandardHelpOptions = true,
    description =
        "PLoRA user vectors in the SQLite adapter store: bytes per user and get/lookup latency at"
            + " 10^5 and 10^6 users.")
final class PLoraStoreBenchCommand implements Callable<Integer> {
  private static final String FINGERPRINT = "sha256:" + "5e".repeat(32);
  private static final String ADAPTER = "sha256:" + "a7".repeat(32);

  @Option(
      names = "--checkpoints",
      split = ",",
      description = "user counts measured at (default 100000,1000000)")
  List<Integer> checkpoints = List.of(100_000, 1_000_000);

  @Option(names = "--api-users", description = "users published through the API (default 2000)")
  int apiUsers = 2000;

  @Option(names = "--user-dim", description = "d_u (default 512)")
  int userDim = 512;

  @Option(names = "--gets", description = "random gets and lookups per checkpoint (default 2000)")
  int gets = 2000;

  @Option(names = "--dir", description = "where the store goes (default target/bench-plora-store)")
  Path dir = Path.of("target", "bench-plora-store");

  @Option(names = "--keep", description = "keep the store")
  boolean keep;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    int max = checkpoints.stream().mapToInt(Integer::intValue).max().orElseThrow();
    if (apiUsers < 1 || apiUsers > checkpoints.get(0) || gets < 1) {
      throw new IllegalArgumentException("--api-users must be in [1, first checkpoint]");
    }
    Path db = dir.resolve("store.db");
    deleteTree(dir);
    Files.createDirectories(dir);
    String url = "jdbc:sqlite:" + db;
    BaseModel base =
        BaseModel.builder().setFingerprint(FINGERPRINT).optDescription("bench").build();
    Template t = template();
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("machine", Machine.describe());
    results.put("user_dim", userDim);
    results.put("entry_bytes", t.bytes.length);
    results.put("api_users", apiUsers);
    List<Map<String, Object>> rows = new ArrayList<>();
    long[] put = new long[apiUsers];
    try {
      try (AdapterStore store = AdapterStore.open(StoreConfig.builder().setUrl(url).build())) {
        for (int u = 0; u < apiUsers; u++) {
          long s = System.nanoTime();
          store.publish(
              PublishRequest.builder()
                  .setUserId(user(u))
                  .setPayload(AdapterPayload.of(Map.of(UserVectorFile.FILE_NAME, t.of(u))))
                  .setBaseModel(base)
                  .optKind(AdapterKind.USER_VECTOR)
                  .optSource(AdapterSource.enrolment("bench", null))
                  .build());
          put[u] = System.nanoTime() - s;
        }
      }
      results.put("api_put_p50_ms", ms(pct(put, 0.5)));
      results.put("api_put_p99_ms", ms(pct(put, 0.99)));
      System.err.printf(
          Locale.ROOT,
          "bench plora-store: %d users published through the API: put p50 %.2f ms, p99 %.2f ms%n",
          apiUsers,
          ms(pct(put, 0.5)),
          ms(pct(put, 0.99)));
      int done = apiUsers;
      for (int target : checkpoints.stream().sorted().toList()) {
        long b0 = System.nanoTime();
        bulk(url, t, done, target);
        System.err.printf(
            Locale.ROOT,
            "bench plora-store: bulk-inserted users %d..%d in %.0f s%n",
            done,
            target,
            (System.nanoTime() - b0) / 1e9);
        done = target;
        rows.add(measure(url, db, t, target));
      }
      results.put("results", rows);
    } finally {
      if (!keep) {
        deleteTree(dir);
      }
    }
    System.out.printf(
        "%-9s %14s %12s %9s %9s %10s %10s%n",
        "users", "store bytes", "bytes/user", "get p50", "get p99", "look p50", "look p99");
    for (Map<String, Object> r : rows) {
      System.out.printf(
          Locale.ROOT,
          "%-9d %,14d %,12.0f %7.3fms %7.3fms %8.3fms %8.3fms%n",
          r.get("users"),
          r.get("file_bytes"),
          r.get("bytes_per_user"),
          r.get("get_p50_ms"),
          r.get("get_p99_ms"),
          r.get("lookup_p50_ms"),
          r.get("lookup_p99_ms"));
    }
    if (json != null) {
      Json.write(json, results);
    }
    return max > 0 ? 0 : 1;
  }

  private Map<String, Object> measure(String url, Path db, Template t, int users) throws Exception {
    long[] get = new long[gets];
    long[] lookup = new long[gets];
    StoreStats stats;
    try (AdapterStore store = AdapterStore.open(StoreConfig.builder().setUrl(url).build())) {
      SplittableRandom r = new SplittableRandom(users);
      for (int i = 0; i < gets; i++) {
        int u = r.nextInt(users);
        long s = System.nanoTime();
        byte[] bytes =
            store
                .readActive(user(u), AdapterKind.USER_VECTOR)
                .orElseThrow()
                .payload()
                .bytes(UserVectorFile.FILE_NAME);
        get[i] = System.nanoTime() - s;
        if (!Arrays.equals(bytes, t.of(u))) {
          throw new IllegalStateException(user(u) + ": wrong bytes");
        }
        if (i < 20) { // a valid user vector entry, for that user
          Path f = Files.createTempFile(dir, "check", ".safetensors");
          Files.write(f, bytes);
          UserVectorFile v = UserVectorFile.read(f);
          Files.delete(f);
          if (!v.userId().equals(user(u))) {
            throw new IllegalStateException(user(u) + ": entry of " + v.userId());
          }
        }
        s = System.nanoTime();
        store.activeVersion(user(r.nextInt(users)), AdapterKind.USER_VECTOR).orElseThrow();
        lookup[i] = System.nanoTime() - s;
      }
      stats = store.stats();
    }
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    long fileBytes = Files.size(db);
    Path wal = db.resolveSibling(db.getFileName() + "-wal");
    if (Files.exists(wal)) {
      fileBytes += Files.size(wal);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("users", users);
    m.put("file_bytes", fileBytes);
    m.put("bytes_per_user", (double) fileBytes / users);
    m.put("store_stats_entries", stats.entries());
    m.put("get_p50_ms", ms(pct(get, 0.5)));
    m.put("get_p99_ms", ms(pct(get, 0.99)));
    m.put("lookup_p50_ms", ms(pct(lookup, 0.5)));
    m.put("lookup_p99_ms", ms(pct(lookup, 0.99)));
    System.err.printf(Locale.ROOT, "bench plora-store: %d users measured: %s%n", users, m);
    return m;
  }

  /** Inserts users {@code from..to-1} with the rows a publish writes (copied from user 0's). */
  private void bulk(String url, Template t, int from, int to) throws Exception {
    if (from >= to) {
      return;
    }
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(false);
      String[] copied = new String[4];
      try (PreparedStatement s =
          c.prepareStatement(
              "SELECT base_fingerprint, base_check, source_type, source_run FROM adapter_entries"
                  + " WHERE user_id = ?")) {
        s.setString(1, user(0));
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          for (int i = 0; i < 4; i++) {
            copied[i] = rs.getString(i + 1);
          }
        }
      }
      String kind = AdapterKind.USER_VECTOR.id();
      try (PreparedStatement head =
              c.prepareStatement(
                  "INSERT INTO adapter_heads (user_id, kind, active_version, next_version)"
                      + " VALUES (?, ?, 1, 2)");
          PreparedStatement entry =
              c.prepareStatement(
                  "INSERT INTO adapter_entries (user_id, kind, version, base_fingerprint,"
                      + " base_check, byte_size, file_count, content_hash, created_at,"
                      + " source_type, source_run) VALUES (?, ?, 1, ?, ?, ?, 1, ?, ?, ?, ?)"
                      + " RETURNING entry_id");
          PreparedStatement file =
              c.prepareStatement(
                  "INSERT INTO adapter_files (entry_id, file_no, path, byte_size, sha256)"
                      + " VALUES (?, 0, ?, ?, ?)");
          PreparedStatement chunk =
              c.prepareStatement(
                  "INSERT INTO adapter_chunks (entry_id, file_no, chunk_no, data)"
                      + " VALUES (?, 0, 0, ?)")) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int u = from; u < to; u++) {
          byte[] bytes = t.of(u);
          String id = user(u);
          head.setString(1, id);
          head.setString(2, kind);
          head.executeUpdate();
          entry.setString(1, id);
          entry.setString(2, kind);
          entry.setString(3, copied[0]);
          entry.setString(4, copied[1]);
          entry.setLong(5, bytes.length);
          entry.setString(
              6, AdapterPayload.of(Map.of(UserVectorFile.FILE_NAME, bytes)).contentHash());
          entry.setLong(7, System.currentTimeMillis());
          entry.setString(8, copied[2]);
          entry.setString(9, copied[3]);
          long entryId;
          try (ResultSet rs = entry.executeQuery()) {
            rs.next();
            entryId = rs.getLong(1);
          }
          file.setLong(1, entryId);
          file.setString(2, UserVectorFile.FILE_NAME);
          file.setLong(3, bytes.length);
          file.setString(4, "sha256:" + HexFormat.of().formatHex(sha.digest(bytes)));
          file.executeUpdate();
          chunk.setLong(1, entryId);
          chunk.setBytes(2, bytes);
          chunk.executeUpdate();
          if ((u + 1) % 10_000 == 0 || u + 1 == to) {
            c.commit();
          }
          if ((u + 1) % 100_000 == 0) {
            System.err.printf("bench plora-store: %d users%n", u + 1);
          }
        }
      }
    }
  }

  /** One user vector entry's bytes, with the user id and the values patched per user. */
  private final class Template {
    final byte[] bytes;
    final int idAt;
    final int dataAt;

    Template(byte[] bytes, int idAt, int dataAt) {
      this.bytes = bytes;
      this.idAt = idAt;
      this.dataAt = dataAt;
    }

    byte[] of(int u) {
      byte[] b = bytes.clone();
      byte[] id = user(u).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(id, 0, b, idAt, id.length);
      ByteBuffer data = ByteBuffer.wrap(b, dataAt, 4 * userDim).order(ByteOrder.LITTLE_ENDIAN);
      SplittableRandom r = new SplittableRandom(u);
      for (int i = 0; i < userDim; i++) {
        data.putFloat((float) (r.nextDouble() - 0.5));
      }
      return b;
    }
  }

  private Template template() throws Exception {
    Path d = Files.createTempDirectory("persona4j-vector");
    try {
      new UserVectorFile(user(0), new float[userDim], FINGERPRINT, ADAPTER).write(d);
      byte[] b = Files.readAllBytes(d.resolve(UserVectorFile.FILE_NAME));
      String s = new String(b, StandardCharsets.ISO_8859_1);
      int idAt = s.indexOf(user(0));
      if (idAt < 0 || s.indexOf(user(0), idAt + 1) >= 0) {
        throw new IllegalStateException("the user id must appear exactly once in the entry");
      }
      return new Template(b, idAt, b.length - 4 * userDim);
    } finally {
      deleteTree(d);
    }
  }

  private static String user(int u) {
    return String.format("user-%07d", u);
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 1e3) / 1000.0;
  }

  private static long pct(long[] values, double q) {
    long[] s = values.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
  }

  private static void deleteTree(Path p) throws Exception {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
