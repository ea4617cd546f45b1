/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.ServingAdapter;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import io.persona4j.serve.adapter.Personalization;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter cache: byte budget, LRU eviction, holds, pinning, new versions, failed loads. */
class AdapterCacheTest {
  @TempDir static Path dir;
  static NDManager manager;
  static LlamaModel model;
  static Path[] files = new Path[4];
  static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void setUp() throws IOException {
    Path m = ServeFixtures.model(dir.resolve("tiny"), false);
    for (int i = 0; i < files.length; i++) {
      files[i] = ServeFixtures.adapter(m, 4, i, dir.resolve("a" + i));
    }
    manager = TensorRuntime.newManager();
    model = LlamaModel.load(m, manager);
  }

  @AfterAll
  static void tearDown() {
    model.close();
    manager.close();
  }

  /** Counts loads; records what was evicted. */
  static final class Counting implements AdapterCache.Listener {
    final AtomicInteger loads = new AtomicInteger();
    final List<String> evicted = new ArrayList<>();

    @Override
    public void loaded(AdapterRef ref, long bytes, long nanos) {
      loads.incrementAndGet();
    }

    @Override
    public synchronized void evicted(AdapterRef ref, long bytes) {
      evicted.add(ref.label());
    }
  }

  static Personalization load(AdapterRef ref, Path d) throws IOException {
    return new Personalization(ref, ServingAdapter.load(model, d, ref.label(), manager), null);
  }

  static long adapterBytes() throws IOException {
    try (ServingAdapter a = ServingAdapter.load(model, files[0], "x", manager)) {
      return a.bytes();
    }
  }

  InMemoryUserAdapters source(int users) throws IOException {
    InMemoryUserAdapters s = new InMemoryUserAdapters();
    for (int i = 0; i < users; i++) {
      s.publish("u" + i, files[i]);
    }
    return s;
  }

  AdapterRef ref(InMemoryUserAdapters s, String user) throws IOException {
    return s.active(user).orElseThrow();
  }

  @Test
  void evictsLeastRecentlyUsedToStayWithinTheByteBudget() throws Exception {
    long one = adapterBytes();
    InMemoryUserAdapters s = source(3);
    Counting c = new Counting();
    try (AdapterCache cache = new AdapterCache(s, AdapterCacheTest::load, one * 5 / 2, c, dir)) {
      cache.acquire(ref(s, "u0"), WAIT).close();
      cache.acquire(ref(s, "u1"), WAIT).close();
      cache.acquire(ref(s, "u0"), WAIT).close(); // u0 used more recently than u1
      assertThat(cache.bytes()).isEqualTo(2 * one);
      cache.acquire(ref(s, "u2"), WAIT).close();
      assertThat(c.evicted).containsExactly("u1@1");
      assertThat(cache.bytes()).isEqualTo(2 * one).isLessThanOrEqualTo(cache.budget());
      assertThat(cache.isLoaded(ref(s, "u0"))).isTrue();
      assertThat(cache.isLoaded(ref(s, "u1"))).isFalse();
      assertThat(c.loads.get()).isEqualTo(3);
    }
  }

  @Test
  void heldAndPinnedAdaptersAreNeverEvicted() throws Exception {
    long one = adapterBytes();
    InMemoryUserAdapters s = source(4);
    Counting c = new Counting();
    try (AdapterCache cache = new AdapterCache(s, AdapterCacheTest::load, one, c, dir)) {
      cache.pinUser("u3");
      AdapterCache.Lease held = cache.acquire(ref(s, "u0"), WAIT);
      cache.acquire(ref(s, "u1"), WAIT).close(); // over budget: u1 goes, u0 is held
      assertThat(cache.isLoaded(ref(s, "u0"))).isTrue();
      assertThat(cache.isLoaded(ref(s, "u3"))).isTrue();
      assertThat(c.evicted).containsExactly("u1@1");
      ServingAdapter a = held.get().lora();
      held.close();
      assertThat(a.isClosed()).isTrue(); // released over budget: evicted, its memory freed
      assertThat(cache.isLoaded(ref(s, "u3"))).isTrue(); // pinned
      cache.unpinUser("u3"); // exactly at the budget: it stays until room is needed
      cache.acquire(ref(s, "u1"), WAIT).close();
      assertThat(cache.isLoaded(ref(s, "u3"))).isFalse();
      assertThat(cache.bytes()).isEqualTo(one);
    }
  }

  @Test
  void concurrentRequestsForAColdAdapterLoadItOnce() throws Exception {
    InMemoryUserAdapters s = source(1);
    Counting c = new Counting();
    try (AdapterCache cache = new AdapterCache(s, AdapterCacheTest::load, 1L << 30, c, dir)) {
      ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
      List<Future<AdapterCache.Lease>> leases = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        leases.add(pool.submit(() -> cache.acquire(ref(s, "u0"), WAIT)));
      }
      ServingAdapter first = null;
      for (Future<AdapterCache.Lease> f : leases) {
        try (AdapterCache.Lease l = f.get()) {
          first = first == null ? l.get().lora() : first;
          assertThat(l.get().lora()).isSameAs(first);
        }
      }
      pool.shutdown();
      assertThat(c.loads.get()).isEqualTo(1);
    }
  }

  @Test
  void aNewVersionIsLoadedWhenPublishedAndTheOldOneLeavesWhenReleased() throws Exception {
    InMemoryUserAdapters s = source(1);
    Counting c = new Counting();
    try (AdapterCache cache = new AdapterCache(s, AdapterCacheTest::load, 1L << 30, c, dir)) {
      AdapterRef v1 = ref(s, "u0");
      AdapterCache.Lease held = cache.acquire(v1, WAIT);
      AdapterRef v2 = s.publish("u0", files[1]);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!cache.isLoaded(v2) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(cache.isLoaded(v2)).isTrue(); // prefetched: no request asked for it yet
      assertThat(cache.isLoaded(v1)).isTrue(); // still held by a running request
      held.close();
      assertThat(cache.isLoaded(v1)).isFalse();
      s.delete("u0");
      assertThat(cache.isLoaded(v2)).isFalse();
      assertThat(cache.bytes()).isZero();
    }
  }

  @Test
  void aFailedLoadIsReportedAndNotCached() throws Exception {
    InMemoryUserAdapters s = source(1);
    AtomicInteger calls = new AtomicInteger();
    AdapterCache.Loader flaky =
        (ref, d) -> {
          if (calls.incrementAndGet() == 1) {
            throw new IOException("disk on fire");
          }
          return load(ref, d);
        };
    try (AdapterCache cache = new AdapterCache(s, flaky, 1L << 30, new Counting(), dir)) {
      assertThatThrownBy(() -> cache.acquire(ref(s, "u0"), WAIT))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("u0@1")
          .hasMessageContaining("disk on fire");
      assertThat(cache.size()).isZero();
      try (AdapterCache.Lease l = cache.acquire(ref(s, "u0"), WAIT)) {
        assertThat(l.ref().label()).isEqualTo("u0@1");
      }
      assertThat(calls.get()).isEqualTo(2);
    }
  }
}
