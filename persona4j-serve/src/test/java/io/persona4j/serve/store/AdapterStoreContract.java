/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.model.ModelFingerprint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's contract, run against every backend by a subclass that says how to open a fresh,
 * empty store and reach its database directly.
 */
abstract class AdapterStoreContract {
  @TempDir static Path models;
  static BaseModel llama;
  static BaseModel otherLlama;
  static BaseModel wideLlama;
  static BaseModel bert;

  @TempDir Path tmp;
  AdapterStore store;

  /** A config for a new, empty store (called once per test). */
  abstract StoreConfig.Builder newStore() throws Exception;

  /** A config for the store of this test (a second client of the same database). */
  abstract StoreConfig.Builder sameStore();

  /** A direct connection to the database of this test's store. */
  abstract Connection connect() throws SQLException;

  @BeforeAll
  static void models() throws Exception {
    llama = BaseModel.of(TestAdapters.llamaBase(models.resolve("llama"), 1));
    otherLlama = BaseModel.of(TestAdapters.llamaBase(models.resolve("llama-2"), 2));
    wideLlama = BaseModel.of(TestAdapters.wideLlamaBase(models.resolve("wide"), 3));
    bert = BaseModel.of(TestAdapters.bertBase(models.resolve("bert"), 4));
  }

  @BeforeEach
  void open() throws Exception {
    store = AdapterStore.open(newStore().build());
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  PublishResult publish(String user, AdapterPayload payload) {
    return store.publish(
        PublishRequest.builder().setUserId(user).setPayload(payload).setBaseModel(llama).build());
  }

  AdapterPayload lora(long seed) throws Exception {
    return new TestAdapters.Lora(llama).seed(seed).payload(tmp);
  }

  @Test
  void publishedDirectoryComesBackByteForByte() throws Exception {
    byte[] big = new byte[(5 << 20) / 2 + 17]; // several chunks, the last one partial
    new java.util.Random(3).nextBytes(big);
    Path dir =
        new TestAdapters.Lora(llama)
            .rank(8)
            .alpha(16)
            .file("README.md", "alice's adapter\n".getBytes(StandardCharsets.UTF_8))
            .file("extra/blob.bin", big)
            .file("extra/empty.txt", new byte[0])
            .writeTo(tmp.resolve("in"));
    AdapterPayload payload = AdapterPayload.readDirectory(dir);
    Instant before = Instant.now().minusSeconds(1);
    PublishResult r =
        store.publish(
            PublishRequest.builder()
                .setUserId("alice@example.org")
                .setPayload(payload)
                .setBaseModel(llama)
                .optSource(AdapterSource.training("run-7", "unit test"))
                .build());
    AdapterEntry e = r.entry();
    assertThat(r.warnings()).isEmpty();
    assertThat(e.userId()).isEqualTo("alice@example.org");
    assertThat(e.kind()).isEqualTo(AdapterKind.LORA);
    assertThat(e.version()).isEqualTo(1);
    assertThat(e.active()).isTrue();
    assertThat(e.baseModelFingerprint()).isEqualTo(llama.fingerprint());
    assertThat(e.baseModelCheck()).isEqualTo(BaseModelCheck.FINGERPRINT);
    assertThat(e.lora()).isEqualTo(new LoraShape(8, 16, List.of("q_proj", "v_proj")));
    assertThat(e.byteSize()).isEqualTo(payload.byteSize());
    assertThat(e.fileCount()).isEqualTo(5);
    assertThat(e.contentHash()).isEqualTo(payload.contentHash());
    assertThat(e.createdAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
    assertThat(e.source())
        .isEqualTo(new AdapterSource(AdapterSource.Type.TRAINING, "run-7", null, "unit test"));

    StoredAdapter got = store.read("alice@example.org", AdapterKind.LORA, 1);
    assertThat(got.entry()).isEqualTo(e);
    Path out = got.payload().writeTo(tmp.resolve("out"));
    assertSameTree(dir, out);
    assertThat(store.readActive("alice@example.org", AdapterKind.LORA).orElseThrow().payload())
        .isEqualTo(payload);
  }

  static void assertSameTree(Path a, Path b) throws Exception {
    List<String> fa = relativeFiles(a);
    assertThat(relativeFiles(b)).isEqualTo(fa);
    for (String f : fa) {
      assertThat(Files.readAllBytes(b.resolve(f)))
          .as(f)
          .isEqualTo(Files.readAllBytes(a.resolve(f)));
    }
  }

  private static List<String> relativeFiles(Path root) throws Exception {
    try (var s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void eachPublishIsTheNextVersionAndBecomesActive() throws Exception {
    for (int i = 1; i <= 3; i++) {
      assertThat(publish("bob", lora(i)).entry().version()).isEqualTo(i);
      assertThat(store.activeVersion("bob", AdapterKind.LORA)).hasValue(i);
    }
    List<AdapterEntry> all = store.list("bob");
    assertThat(all).extracting(AdapterEntry::version).containsExactly(1L, 2L, 3L);
    assertThat(all).extracting(AdapterEntry::active).containsExactly(false, false, true);
    assertThat(store.active("bob", AdapterKind.LORA).orElseThrow().version()).isEqualTo(3);
    assertThat(store.read("bob", AdapterKind.LORA, 2).payload()).isEqualTo(lora(2));
    assertThat(store.entry("bob", AdapterKind.LORA, 4)).isEmpty();
    assertThat(store.active("nobody", AdapterKind.LORA)).isEmpty();
    assertThat(store.readActive("nobody", AdapterKind.LORA)).isEmpty();
    assertThat(store.activeVersion("bob", AdapterKind.CLASSIFIER)).isEmpty();
  }

  @Test
  void publishingWithoutActivatingKeepsTheActiveVersion() throws Exception {
    publish("carol", lora(1));
    AdapterEntry staged =
        store
            .publish(
                PublishRequest.builder()
                    .setUserId("carol")
                    .setPayload(lora(2))
                    .setBaseModel(llama)
                    .optActivate(false)
                    .build())
            .entry();
    assertThat(staged.version()).isEqualTo(2);
    assertThat(staged.active()).isFalse();
    assertThat(store.activeVersion("carol", AdapterKind.LORA)).hasValue(1);
    assertThat(store.rollback("carol", AdapterKind.LORA, 2).active()).isTrue();
    assertThat(store.activeVersion("carol", AdapterKind.LORA)).hasValue(2);
  }

  @Test
  void rollbackMovesTheActiveVersionAndNamesWhatExists() throws Exception {
    for (int i = 1; i <= 3; i++) {
      publish("dave", lora(i));
    }
    AdapterEntry back = store.rollback("dave", AdapterKind.LORA, 1);
    assertThat(back.version()).isEqualTo(1);
    assertThat(back.active()).isTrue();
    assertThat(store.readActive("dave", AdapterKind.LORA).orElseThrow().payload())
        .isEqualTo(lora(1));
    assertThat(store.rollback("dave", AdapterKind.LORA, 3).version()).isEqualTo(3);
    assertThat(publish("dave", lora(4)).entry().version()).isEqualTo(4);

    assertThatThrownBy(() -> store.rollback("dave", AdapterKind.LORA, 9))
        .isInstanceOf(NoSuchAdapterException.class)
        .hasMessageContaining("user 'dave' kind lora version 9 does not exist")
        .hasMessageContaining("[1, 2, 3, 4]")
        .hasMessageContaining(store.displayUrl());
    assertThatThrownBy(() -> store.rollback("erin", AdapterKind.LORA, 1))
        .isInstanceOf(NoSuchAdapterException.class)
        .hasMessageContaining("user 'erin' kind lora: nothing stored");
    assertThatThrownBy(() -> store.read("dave", AdapterKind.MOE, 1))
        .isInstanceOf(NoSuchAdapterException.class)
        .hasMessageContaining("the user has no moe entries");
    assertThat(store.activeVersion("dave", AdapterKind.LORA)).hasValue(4);
  }

  @Test
  void deletingAUserRemovesEveryVersionAndKindAndNothingElse() throws Exception {
    for (int i = 1; i <= 3; i++) {
      publish("frank", lora(i));
    }
    store.publish(
        PublishRequest.builder()
            .setUserId("frank")
            .setPayload(
                AdapterPayload.readDirectory(
                    TestAdapters.userVector(tmp.resolve("uv"), 16, llama.fingerprint(), 5)))
            .setBaseModel(llama)
            .build());
    publish("grace", lora(9));
    long bytes = store.list("frank").stream().mapToLong(AdapterEntry::byteSize).sum();

    ErasureReport r = store.deleteUser("frank");
    assertThat(r.versionsDeleted()).isEqualTo(4);
    assertThat(r.bytesDeleted()).isEqualTo(bytes);
    assertThat(r.residue()).isNotBlank();
    assertThat(store.list("frank")).isEmpty();
    assertThat(store.users(null, 10)).containsExactly("grace");
    assertThat(store.readActive("grace", AdapterKind.LORA).orElseThrow().payload())
        .isEqualTo(lora(9));
    try (Connection c = connect()) {
      for (String table : List.of("adapter_heads", "adapter_entries", "store_changes")) {
        assertThat(count(c, "SELECT count(*) FROM " + table + " WHERE user_id = 'frank'"))
            .as(table)
            .isZero();
      }
      long grace = count(c, "SELECT count(*) FROM adapter_entries");
      assertThat(grace).isEqualTo(1);
      assertThat(count(c, "SELECT count(*) FROM adapter_files")).isEqualTo(2); // grace's
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM adapter_chunks WHERE entry_id NOT IN"
                      + " (SELECT entry_id FROM adapter_entries)"))
          .isZero();
    }
    StoreStats stats = store.stats();
    assertThat(stats.users()).isEqualTo(1);
    assertThat(stats.entries()).isEqualTo(1);
    assertThat(stats.payloadBytes()).isEqualTo(lora(9).byteSize());
    ErasureReport again = store.deleteUser("frank");
    assertThat(again.versionsDeleted()).isZero();
    assertThat(publish("frank", lora(1)).entry().version()).isEqualTo(1);
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void anAdapterOfAnotherBaseModelIsRefusedWithBothFingerprints() throws Exception {
    AdapterPayload foreign = new TestAdapters.Lora(otherLlama).payload(tmp);
    assertThatThrownBy(() -> publish("heidi", foreign))
        .isInstanceOf(IncompatibleBaseModelException.class)
        .hasMessageContaining(otherLlama.fingerprint())
        .hasMessageContaining(llama.fingerprint())
        .hasMessageContaining("user 'heidi'")
        .satisfies(
            e -> {
              IncompatibleBaseModelException x = (IncompatibleBaseModelException) e;
              assertThat(x.adapterFingerprint()).isEqualTo(otherLlama.fingerprint());
              assertThat(x.baseFingerprint()).isEqualTo(llama.fingerprint());
            });
    assertThat(store.list("heidi")).isEmpty();
    assertThat(store.stats().entries()).isZero();
  }

  @Test
  void anAdapterWithoutFingerprintIsAcceptedWithAWarningWhenItsShapesFit() throws Exception {
    PublishResult r = publish("ivan", new TestAdapters.Lora(llama).fingerprint(null).payload(tmp));
    assertThat(r.entry().baseModelCheck()).isEqualTo(BaseModelCheck.SHAPES);
    assertThat(r.entry().baseModelFingerprint()).isEqualTo(llama.fingerprint());
    assertThat(r.warnings())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("user 'ivan': adapter " + tmp)
        .contains("records no base-model fingerprint")
        .contains("8 tensors fit");
    assertThat(store.read("ivan", AdapterKind.LORA, 1).entry().baseModelCheck())
        .isEqualTo(BaseModelCheck.SHAPES);

    AdapterPayload wide = new TestAdapters.Lora(wideLlama).fingerprint(null).payload(tmp);
    assertThatThrownBy(() -> publish("ivan", wide))
        .isInstanceOf(IncompatibleBaseModelException.class)
        .hasMessageContaining("its shapes do not fit base model " + llama.fingerprint())
        .hasMessageContaining("q_proj.lora_A.weight has shape [4, 48], expected [4, 32]");
    assertThat(store.list("ivan")).hasSize(1);
  }

  @Test
  void bytesChangedInTheDatabaseAreDetectedOnEveryRead() throws Exception {
    publish("judy", lora(1));
    publish("judy", lora(2));
    try (Connection c = connect();
        PreparedStatement s =
            c.prepareStatement(
                "UPDATE adapter_chunks SET data = ? WHERE entry_id = (SELECT entry_id FROM"
                    + " adapter_entries WHERE user_id = 'judy' AND version = 2) AND file_no = ?")) {
      byte[] file = lora(2).bytes("adapter_model.safetensors");
      file[file.length - 1] ^= 1;
      s.setBytes(1, file);
      s.setInt(2, List.copyOf(lora(2).paths()).indexOf("adapter_model.safetensors"));
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
    assertThatThrownBy(() -> store.read("judy", AdapterKind.LORA, 2))
        .isInstanceOf(CorruptAdapterException.class)
        .hasMessageContaining("user 'judy' kind lora version 2 is corrupt")
        .hasMessageContaining("adapter_model.safetensors");
    assertThatThrownBy(() -> store.readActive("judy", AdapterKind.LORA))
        .isInstanceOf(CorruptAdapterException.class)
        .hasMessageContaining("version 2");
    assertThat(store.read("judy", AdapterKind.LORA, 1).payload()).isEqualTo(lora(1));
    store.rollback("judy", AdapterKind.LORA, 1);
    assertThat(store.readActive("judy", AdapterKind.LORA).orElseThrow().entry().version())
        .isEqualTo(1);

    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "UPDATE adapter_files SET path = '../../evil' WHERE entry_id = (SELECT entry_id FROM"
              + " adapter_entries WHERE user_id = 'judy' AND version = 1) AND file_no = 0");
    }
    assertThatThrownBy(() -> store.read("judy", AdapterKind.LORA, 1))
        .isInstanceOf(CorruptAdapterException.class)
        .hasMessageContaining("'../../evil'");
  }

  @Test
  void everyKindIsDetectedAndChecked() throws Exception {
    AdapterPayload classifier =
        new TestAdapters.Lora(bert)
            .targets("query", "value")
            .head("classifier.weight", 3, 32)
            .head("classifier.bias", 3)
            .file(
                "classifier.json",
                "{\"labels\":[\"a\",\"b\",\"c\"]}".getBytes(StandardCharsets.UTF_8))
            .payload(tmp);
    AdapterEntry c =
        store
            .publish(
                PublishRequest.builder()
                    .setUserId("kim")
                    .setPayload(classifier)
                    .setBaseModel(bert)
                    .build())
            .entry();
    assertThat(c.kind()).isEqualTo(AdapterKind.CLASSIFIER);
    assertThat(c.lora().targets()).containsExactly("query", "value");

    Path moe = new TestAdapters.Lora(llama).writeTo(tmp.resolve("moe"));
    Files.writeString(
        moe.resolve("moe_config.json"),
        "{\"format_version\":\"1\",\"num_experts\":4,\"gate_type\":\"LINEAR\",\"gate_dim\":8,"
            + "\"alpha\":8.0,\"r\":4,\"router_lr_multiplier\":1.0,\"seed\":1}");
    assertThat(publishDir("kim", moe, llama, null).kind()).isEqualTo(AdapterKind.MOE);

    Path prompt = TestAdapters.softPrompt(tmp.resolve("prompt"), 4, 32, 3, 7);
    PublishResult sp =
        store.publish(
            PublishRequest.builder()
                .setUserId("kim")
                .setPayload(AdapterPayload.readDirectory(prompt))
                .setBaseModel(bert)
                .build());
    assertThat(sp.entry().kind()).isEqualTo(AdapterKind.SOFT_PROMPT);
    assertThat(sp.entry().lora()).isNull();
    assertThat(sp.entry().baseModelCheck()).isEqualTo(BaseModelCheck.SHAPES);

    Path uv = TestAdapters.userVector(tmp.resolve("uv"), 16, bert.fingerprint(), 3);
    assertThat(publishDir("kim", uv, bert, null).kind()).isEqualTo(AdapterKind.USER_VECTOR);
    assertThat(store.activeEntries("kim"))
        .extracting(AdapterEntry::kind)
        .containsExactlyInAnyOrder(
            AdapterKind.CLASSIFIER,
            AdapterKind.MOE,
            AdapterKind.SOFT_PROMPT,
            AdapterKind.USER_VECTOR);

    Path bareVector = TestAdapters.userVector(tmp.resolve("uv2"), 16, null, 3);
    assertThatThrownBy(() -> publishDir("kim", bareVector, bert, null))
        .isInstanceOf(IncompatibleBaseModelException.class)
        .hasMessageContaining("a user_vector entry must record one");
    Path wrongWidth = TestAdapters.softPrompt(tmp.resolve("prompt-48"), 4, 48, 3, 7);
    assertThatThrownBy(() -> publishDir("kim", wrongWidth, bert, null))
        .isInstanceOf(IncompatibleBaseModelException.class)
        .hasMessageContaining("token_dim has width 48, the base's hidden size is 32");
    Path plain = new TestAdapters.Lora(llama).writeTo(tmp.resolve("plain"));
    assertThatThrownBy(() -> publishDir("kim", plain, llama, AdapterKind.CLASSIFIER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a classifier entry needs its head in modules_to_save");
    assertThatThrownBy(() -> publishDir("kim", plain, llama, AdapterKind.SOFT_PROMPT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("peft_type is 'LORA', expected 'PROMPT_TUNING'");
    assertThat(store.list("kim")).hasSize(4);
  }

  AdapterEntry publishDir(String user, Path dir, BaseModel base, AdapterKind kind)
      throws Exception {
    return store
        .publish(
            PublishRequest.builder()
                .setUserId(user)
                .setPayload(AdapterPayload.readDirectory(dir))
                .setBaseModel(base)
                .optKind(kind)
                .build())
        .entry();
  }

  @Test
  void invalidInputIsRefusedNamingWhatIsWrong() throws Exception {
    for (String bad : List.of("", "a b", "../x", "a/b", "é", "x\n", "x".repeat(129))) {
      assertThatThrownBy(() -> publish(bad, lora(1)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("user id");
      assertThatThrownBy(() -> store.list(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.deleteUser(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> publish("a b", lora(1)))
        .hasMessageContaining("user id 'a b': character ' ' at index 1 is not allowed");
    assertThatThrownBy(() -> store.read("x", AdapterKind.LORA, 0))
        .hasMessageContaining("version = 0 must be >= 1");
    try (AdapterStore small =
        AdapterStore.open(sameStore().optLimits(new StoreLimits(64, 1000, 100_000)).build())) {
      assertThatThrownBy(
              () ->
                  small.publish(
                      PublishRequest.builder()
                          .setUserId("x")
                          .setPayload(lora(1))
                          .setBaseModel(llama)
                          .build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("more than the limit of 1000");
    }
    AdapterPayload notAnAdapter = AdapterPayload.of(Map.of("notes.txt", new byte[] {1, 2}));
    assertThatThrownBy(() -> publish("x", notAnAdapter))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot tell what kind of adapter this is");
    assertThat(store.stats().entries()).isZero();
  }

  @Test
  void concurrentPublishersGetDistinctConsecutiveVersions() throws Exception {
    List<AdapterPayload> payloads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      payloads.add(lora(100 + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        AdapterPayload p = payloads.get(t);
        futures.add(
            pool.submit(
                () -> {
                  List<Long> v = new ArrayList<>();
                  for (int i = 0; i < 5; i++) {
                    v.add(publish("mallory", p).entry().version());
                  }
                  return v;
                }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : futures) {
        all.addAll(f.get(120, TimeUnit.SECONDS));
      }
      Collections.sort(all);
      assertThat(all)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.activeVersion("mallory", AdapterKind.LORA)).hasValue(20);
    for (AdapterEntry e : store.list("mallory")) {
      store.read("mallory", AdapterKind.LORA, e.version()); // every version verifies
    }
  }

  @Test
  void aSecondClientSeesPublishesRollbacksAndErasuresWithinASecond() throws Exception {
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    try (AdapterStore other = AdapterStore.open(sameStore().build());
        StoreSubscription sub = other.subscribe(events::add)) {
      long start = System.nanoTime();
      publish("nina", lora(1));
      StoreEvent e = events.poll(1, TimeUnit.SECONDS);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(e).as("event within 1 s (waited %d ms)", ms).isNotNull();
      assertThat(e.type()).isEqualTo(StoreEvent.Type.PUBLISHED);
      assertThat(e.userId()).isEqualTo("nina");
      assertThat(e.kind()).isEqualTo(AdapterKind.LORA);
      assertThat(e.version()).isEqualTo(1);
      assertThat(other.readActive("nina", AdapterKind.LORA).orElseThrow().entry().version())
          .isEqualTo(1);

      publish("nina", lora(2));
      store.rollback("nina", AdapterKind.LORA, 1);
      StoreEvent p = events.poll(1, TimeUnit.SECONDS);
      StoreEvent rb = events.poll(1, TimeUnit.SECONDS);
      assertThat(p.version()).isEqualTo(2);
      assertThat(rb.type()).isEqualTo(StoreEvent.Type.ROLLED_BACK);
      assertThat(rb.version()).isEqualTo(1);
      assertThat(rb.sequence()).isGreaterThan(p.sequence()).isGreaterThan(e.sequence());

      store.deleteUser("nina");
      StoreEvent erased = events.poll(1, TimeUnit.SECONDS);
      assertThat(erased.type()).isEqualTo(StoreEvent.Type.ERASED);
      assertThat(erased.userId()).isNull();
      assertThat(other.activeVersion("nina", AdapterKind.LORA)).isEmpty();

      sub.close();
      publish("olga", lora(1));
      assertThat(events.poll(600, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void aListenerThatFallsBehindTheChangeLogIsToldToResync() throws Exception {
    publish("quinn", lora(1));
    publish("quinn", lora(2));
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    try (AdapterStore writer = AdapterStore.open(sameStore().changeRetention(8).build());
        AdapterStore watcher = AdapterStore.open(sameStore().build());
        StoreSubscription sub =
            watcher.subscribe(
                e -> {
                  events.add(e);
                  try {
                    release.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                  }
                })) {
      writer.rollback("quinn", AdapterKind.LORA, 1);
      StoreEvent first = events.poll(2, TimeUnit.SECONDS); // the listener now blocks on it
      assertThat(first.type()).isEqualTo(StoreEvent.Type.ROLLED_BACK);
      for (int i = 0; i < 30; i++) {
        writer.rollback("quinn", AdapterKind.LORA, i % 2 == 0 ? 2 : 1);
      }
      release.countDown();
      List<StoreEvent> later = new ArrayList<>();
      for (StoreEvent e; (e = events.poll(2, TimeUnit.SECONDS)) != null; ) {
        later.add(e);
        if (e.isTargeted() && e.sequence() == lastSequence()) {
          break;
        }
      }
      assertThat(later).extracting(StoreEvent::type).contains(StoreEvent.Type.RESYNC);
      assertThat(later.size()).isLessThan(30); // the pruned changes are not replayed
      assertThat(later.get(later.size() - 1).version()).isEqualTo(1);
    }
  }

  private long lastSequence() throws SQLException {
    try (Connection c = connect()) {
      return count(c, "SELECT change_seq FROM store_state");
    }
  }

  @Test
  void usersArePagedInByteOrder() throws Exception {
    AdapterPayload p = lora(1);
    for (String u : List.of("u3", "U1", "u1", "u2", "a")) {
      publish(u, p);
    }
    assertThat(store.users(null, 2)).containsExactly("U1", "a");
    assertThat(store.users("a", 2)).containsExactly("u1", "u2");
    assertThat(store.users("u2", 2)).containsExactly("u3");
    assertThat(store.users("u3", 2)).isEmpty();
    assertThat(store.activeEntries(List.of("u2", "a", "nobody")))
        .extracting(AdapterEntry::userId)
        .containsExactly("a", "u2");
    assertThat(store.activeEntries(List.of())).isEmpty();
  }

  @Test
  void aStoreReopensWithItsContents() throws Exception {
    publish("pat", lora(1));
    store.close();
    store = AdapterStore.open(sameStore().build());
    assertThat(store.readActive("pat", AdapterKind.LORA).orElseThrow().payload())
        .isEqualTo(lora(1));
    assertThat(ModelFingerprint.isWellFormed(store.list("pat").get(0).baseModelFingerprint()))
        .isTrue();
  }
}
