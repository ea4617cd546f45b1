/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterPayload;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.LocalPostgres;
import io.persona4j.serve.store.PublishRequest;
import io.persona4j.serve.store.StoreConfig;
import io.persona4j.serve.store.StoreStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The adapter store at scale: N users each publish one rank-r LoRA adapter shaped for
 * all-MiniLM-L6-v2 (6 layers, hidden 384, query and value: 294,912 bytes of F32 weights at r = 8),
 * each put its own transaction; then gets of random users' active adapters (content hash verified)
 * and active-version lookups. Backends: SQLite, PostgreSQL (a throwaway local cluster with fsync
 * on, or --postgres-url), and plain files as the peer (one directory per user, written and synced
 * the same way, read back and hashed).
 */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description =
        "Adapter store put/get latency (p50/p99) and bytes at N users: SQLite vs PostgreSQL vs"
            + " plain files.")
final class StoreBenchCommand implements Callable<Integer> {
  private static final int LAYERS = 6;
  private static final int HIDDEN = 384;
  private static final String FINGERPRINT = "sha256:" + "5e".repeat(32);

  @Option(names = "--users", description = "users, one adapter each (default 100000)")
  int users = 100_000;

  @Option(names = "--rank", description = "LoRA rank (default 8)")
  int rank = 8;

  @Option(
      names = "--backends",
      split = ",",
      description = "sqlite, postgresql, files (default all three, run one after another)")
  List<String> backends = List.of("sqlite", "postgresql", "files");

  @Option(names = "--gets", description = "random gets and lookups measured (default 2000)")
  int gets = 2000;

  @Option(names = "--tail", description = "the last puts reported separately (default 1000)")
  int tail = 1000;

  @Option(
      names = "--dir",
      description = "where the stores go (default target/bench-store; deleted after each backend)")
  Path dir = Path.of("target", "bench-store");

  @Option(
      names = "--postgres-url",
      description =
          "an existing PostgreSQL database (credentials from the URL or the environment); default:"
              + " a throwaway local cluster")
  String postgresUrl;

  @Option(names = "--keep", description = "keep the stores instead of deleting them")
  boolean keep;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (users < 1 || rank < 1 || gets < 1) {
      throw new IllegalArgumentException("--users, --rank and --gets must be >= 1");
    }
    Files.createDirectories(dir);
    BaseModel base = miniLm();
    byte[] header = safetensorsHeader();
    byte[] config = adapterConfig();
    long payloadBytes = header.length + dataBytes() + config.length;
    System.err.printf(
        "bench store: %d users, rank-%d q,v LoRA for all-MiniLM-L6-v2 shapes (%d bytes per"
            + " adapter), backends %s%n",
        users, rank, payloadBytes, backends);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String b : backends) {
      rows.add(
          switch (b.trim().toLowerCase(Locale.ROOT)) {
            case "sqlite" -> runSqlite(base, header, config);
            case "postgresql" -> runPostgres(base, header, config);
            case "files" -> runFiles(header, config);
            default ->
                throw new IllegalArgumentException(
                    "--backends: '" + b + "' is not sqlite, postgresql or files");
          });
    }
    print(rows, payloadBytes);
    if (json != null) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put(
          "machine",
          Map.of("cpu", Machine.cpuModel(), "cores", Runtime.getRuntime().availableProcessors()));
      all.put("users", users);
      all.put("rank", rank);
      all.put("payload_bytes", payloadBytes);
      all.put("results", rows);
      Json.write(json, all);
    }
    return 0;
  }

  private Map<String, Object> runSqlite(BaseModel base, byte[] header, byte[] config)
      throws Exception {
    Path file = dir.resolve("sqlite").resolve("store.db");
    deleteTree(file.getParent());
    try {
      return measureStore(
          "sqlite",
          StoreConfig.builder().setUrl("jdbc:sqlite:" + file).build(),
          base,
          header,
          config);
    } finally {
      if (!keep) {
        deleteTree(file.getParent());
      }
    }
  }

  private Map<String, Object> runPostgres(BaseModel base, byte[] header, byte[] config)
      throws Exception {
    if (postgresUrl != null) {
      return measureStore(
          "postgresql", StoreConfig.fromEnvironment(postgresUrl), base, header, config);
    }
    try (LocalPostgres pg =
        LocalPostgres.builder().optParentDirectory(dir.toAbsolutePath()).build()) {
      pg.createDatabase("bench");
      Map<String, Object> r =
          measureStore("postgresql", pg.storeConfig("bench").build(), base, header, config);
      r.put("postgresql", "local cluster, fsync on, default settings");
      return r;
    }
  }

  private Map<String, Object> measureStore(
      String name, StoreConfig cfg, BaseModel base, byte[] header, byte[] config) throws Exception {
    long[] put = new long[users];
    long[] get = new long[gets];
    long[] lookup = new long[gets];
    StoreStats stats;
    long t0 = System.nanoTime();
    try (AdapterStore store = AdapterStore.open(cfg)) {
      for (int u = 0; u < users; u++) {
        AdapterPayload p = payload(u, header, config);
        PublishRequest req =
            PublishRequest.builder()
                .setUserId(user(u))
                .setPayload(p)
                .setBaseModel(base)
                .optKind(AdapterKind.LORA)
                .optSource(AdapterSource.training("bench", null))
                .build();
        long s = System.nanoTime();
        store.publish(req);
        put[u] = System.nanoTime() - s;
        progress(name, "put", u + 1, users, t0);
      }
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < gets; i++) {
        String u = user(r.nextInt(users));
        long s = System.nanoTime();
        int size = store.readActive(u, AdapterKind.LORA).orElseThrow().payload().fileCount();
        get[i] = System.nanoTime() - s;
        if (size != 2) {
          throw new IllegalStateException(u + ": " + size + " files");
        }
        s = System.nanoTime();
        store.activeVersion(user(r.nextInt(users)), AdapterKind.LORA).orElseThrow();
        lookup[i] = System.nanoTime() - s;
      }
      stats = store.stats();
    }
    Map<String, Object> row = row(name, put, get, lookup, (System.nanoTime() - t0) / 1e9);
    row.put("storage_bytes", stats.storageBytes());
    row.put("payload_bytes", stats.payloadBytes());
    return row;
  }

  /** The peer: one directory per user, written like {@code get} writes, read back and hashed. */
  private Map<String, Object> runFiles(byte[] header, byte[] config) throws Exception {
    Path root = dir.resolve("files");
    deleteTree(root);
    Files.createDirectories(root);
    long[] put = new long[users];
    long[] get = new long[gets];
    long[] lookup = new long[gets];
    String[] hashes = new String[users];
    long t0 = System.nanoTime();
    try {
      for (int u = 0; u < users; u++) {
        AdapterPayload p = payload(u, header, config);
        long s = System.nanoTime();
        p.writeTo(root.resolve(shard(u)).resolve(user(u)).resolve("v1"));
        put[u] = System.nanoTime() - s;
        hashes[u] = p.contentHash();
        progress("files", "put", u + 1, users, t0);
      }
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < gets; i++) {
        int u = r.nextInt(users);
        long s = System.nanoTime();
        AdapterPayload p =
            AdapterPayload.readDirectory(root.resolve(shard(u)).resolve(user(u)).resolve("v1"));
        boolean ok = p.contentHash().equals(hashes[u]);
        get[i] = System.nanoTime() - s;
        if (!ok) {
          throw new IllegalStateException(user(u) + ": hash mismatch");
        }
        int v = r.nextInt(users);
        s = System.nanoTime();
        boolean exists = Files.isDirectory(root.resolve(shard(v)).resolve(user(v)).resolve("v1"));
        lookup[i] = System.nanoTime() - s;
        if (!exists) {
          throw new IllegalStateException(user(v) + " missing");
        }
      }
      Map<String, Object> row = row("files", put, get, lookup, (System.nanoTime() - t0) / 1e9);
      row.put("storage_bytes", duBytes(root));
      row.put("payload_bytes", (long) users * (header.length + dataBytes() + config.length));
      return row;
    } finally {
      if (!keep) {
        deleteTree(root);
      }
    }
  }

  private static String shard(int u) {
    return String.format("%03d", u % 1000);
  }

  private Map<String, Object> row(
      String name, long[] put, long[] get, long[] lookup, double seconds) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backend", name);
    m.put("put_p50_ms", ms(pct(put, 0.5)));
    m.put("put_p99_ms", ms(pct(put, 0.99)));
    long[] last = Arrays.copyOfRange(put, Math.max(0, put.length - tail), put.length);
    m.put("put_last_p50_ms", ms(pct(last, 0.5)));
    m.put("put_last_p99_ms", ms(pct(last, 0.99)));
    m.put("get_p50_ms", ms(pct(get, 0.5)));
    m.put("get_p99_ms", ms(pct(get, 0.99)));
    m.put("lookup_p50_ms", ms(pct(lookup, 0.5)));
    m.put("lookup_p99_ms", ms(pct(lookup, 0.99)));
    m.put("seconds", Math.round(seconds * 10) / 10.0);
    return m;
  }

  private void print(List<Map<String, Object>> rows, long payloadBytes) {
    System.out.printf(
        "%-11s %9s %9s %10s %10s %9s %9s %10s %10s %14s %9s%n",
        "backend",
        "put p50",
        "put p99",
        "last p50",
        "last p99",
        "get p50",
        "get p99",
        "look p50",
        "look p99",
        "bytes/user",
        "overhead");
    for (Map<String, Object> r : rows) {
      long storage = (Long) r.get("storage_bytes");
      double perUser = (double) storage / users;
      System.out.printf(
          "%-11s %7.2fms %7.2fms %8.2fms %8.2fms %7.2fms %7.2fms %8.3fms %8.3fms %14.0f %8.1f%%%n",
          r.get("backend"),
          r.get("put_p50_ms"),
          r.get("put_p99_ms"),
          r.get("put_last_p50_ms"),
          r.get("put_last_p99_ms"),
          r.get("get_p50_ms"),
          r.get("get_p99_ms"),
          r.get("lookup_p50_ms"),
          r.get("lookup_p99_ms"),
          perUser,
          100.0 * (perUser - payloadBytes) / payloadBytes);
    }
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }

  private static long pct(long[] values, double q) {
    long[] s = values.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
  }

  private static void progress(String backend, String what, int done, int total, long t0) {
    if (done == total || done % Math.max(1, total / 20) == 0) {
      System.err.printf(
          "bench store: %s %s %d/%d (%.0f s)%n",
          backend, what, done, total, (System.nanoTime() - t0) / 1e9);
    }
  }

  private static String user(int u) {
    return String.format("user-%07d", u);
  }

  /** The base model's shapes: all-MiniLM-L6-v2's query and value weights (fingerprint fixed). */
  private static BaseModel miniLm() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("embeddings.word_embeddings.weight", new long[] {30522, HIDDEN});
    for (int l = 0; l < LAYERS; l++) {
      for (String m : List.of("query", "key", "value")) {
        shapes.put(
            "encoder.layer." + l + ".attention.self." + m + ".weight", new long[] {HIDDEN, HIDDEN});
      }
    }
    return BaseModel.builder()
        .setFingerprint(FINGERPRINT)
        .optTensorShapes(shapes)
        .optHiddenSize(HIDDEN)
        .optDescription("all-MiniLM-L6-v2 shapes")
        .build();
  }

  private List<String> tensorNames() {
    List<String> names = new ArrayList<>();
    for (int l = 0; l < LAYERS; l++) {
      for (String m : List.of("query", "value")) {
        String p = "base_model.model.encoder.layer." + l + ".attention.self." + m;
        names.add(p + ".lora_A.weight");
        names.add(p + ".lora_B.weight");
      }
    }
    return names;
  }

  private long dataBytes() {
    return (long) tensorNames().size() * rank * HIDDEN * 4;
  }

  /** The safetensors header (with its 8-byte length) of every adapter: same names and shapes. */
  private byte[] safetensorsHeader() throws IOException {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    for (String n : tensorNames()) {
      long[] shape =
          n.endsWith("lora_A.weight") ? new long[] {rank, HIDDEN} : new long[] {HIDDEN, rank};
      tensors.put(n, HostTensor.f32(shape, new float[rank * HIDDEN]));
    }
    Path tmp = Files.createTempFile(dir, "template", ".safetensors");
    try {
      SafetensorsWriter.write(tmp, tensors, Map.of("format", "pt"));
      byte[] all = Files.readAllBytes(tmp);
      return Arrays.copyOf(all, (int) (all.length - dataBytes()));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private byte[] adapterConfig() {
    String json =
        "{\n  \"peft_type\": \"LORA\",\n  \"task_type\": \"FEATURE_EXTRACTION\",\n  \"r\": "
            + rank
            + ",\n  \"lora_alpha\": "
            + (2 * rank)
            + ",\n  \"lora_dropout\": 0.0,\n  \"bias\": \"none\",\n  \"inference_mode\": true,\n"
            + "  \"target_modules\": [\"query\", \"value\"],\n  \"persona4j\": {\"format_version\":"
            + " \"1\", \"code_version\": \"bench\", \"base_model_fingerprint\": \""
            + FINGERPRINT
            + "\"}\n}\n";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** User {@code u}'s adapter: the shared header and config, its own random weights. */
  private AdapterPayload payload(int u, byte[] header, byte[] config) {
    byte[] weights = new byte[(int) (header.length + dataBytes())];
    System.arraycopy(header, 0, weights, 0, header.length);
    ByteBuffer b =
        ByteBuffer.wrap(weights, header.length, (int) dataBytes()).order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(u * 0x9E3779B97F4A7C15L + 1);
    while (b.hasRemaining()) {
      b.putFloat((float) (r.nextDouble() * 0.2 - 0.1));
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("adapter_config.json", config);
    files.put("adapter_model.safetensors", weights);
    return AdapterPayload.of(files);
  }

  private static long duBytes(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      long n = 0;
      for (Path p : s.toList()) {
        // allocated size: what the file system really uses (4 KiB blocks)
        n += Files.isRegularFile(p) ? (Files.size(p) + 4095) / 4096 * 4096 : 4096;
      }
      return n;
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
