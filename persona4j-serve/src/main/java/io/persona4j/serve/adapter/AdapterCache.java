/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users' adapters in memory, within a byte budget (not a count: ranks and targets differ): least
 * recently used first out, never one that a request holds ({@link Lease}) or whose user an operator
 * pinned ({@link #pinUser}).
 *
 * <p>Loads run on one loader thread, never on the engine's: a request for a cold adapter waits for
 * its load (its time to first token shows it), and a version published while the server runs is
 * loaded as soon as the source reports it ({@link #onUserChanged}), before the next request asks,
 * if that user's previous version was cached or the user is pinned. The previous version leaves as
 * soon as no request holds it. A request never sees a half-loaded adapter, and a failed load is not
 * cached (the next request tries again).
 *
 * <p>Thread-safe.
 */
public final class AdapterCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdapterCache.class);

  /** Turns a fetched adapter directory into its in-memory form (e.g. for a decoder's layers). */
  @FunctionalInterface
  public interface Loader {
    Personalization load(AdapterRef ref, Path dir) throws IOException;
  }

  /** What the cache reports (metrics). */
  public interface Listener {
    default void hit() {}

    default void miss() {}

    default void evicted(AdapterRef ref, long bytes) {}

    default void loaded(AdapterRef ref, long bytes, long nanos) {}

    default void loadFailed(AdapterRef ref, Throwable error) {}
  }

  /** A request's hold on a loaded adapter: it cannot be evicted until closed. */
  public final class Lease implements AutoCloseable {
    private final Entry entry;
    private final Personalization value;
    private boolean closed;

    private Lease(Entry entry, Personalization value) {
      this.entry = entry;
      this.value = value;
    }

    public Personalization get() {
      return value;
    }

    public AdapterRef ref() {
      return entry.ref;
    }

    /** Releases the hold (idempotent). */
    @Override
    public void close() {
      synchronized (AdapterCache.this) {
        if (closed) {
          return;
        }
        closed = true;
        entry.pins--;
        if (entry.pins == 0 && entry.stale) {
          remove(entry);
        }
        evict();
      }
    }
  }

  private static final class Entry {
    final AdapterRef ref;
    final CompletableFuture<Personalization> future = new CompletableFuture<>();
    int pins;
    long bytes;
    boolean stale;
    boolean removed;

    Entry(AdapterRef ref) {
      this.ref = ref;
    }

    String key() {
      return ref.label();
    }
  }

  private final UserAdapters source;
  private final Loader loader;
  private final long budget;
  private final Listener listener;
  private final Path workDir;
  private final ExecutorService loads;
  // Access order: iteration starts at the least recently used entry.
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private final Set<String> pinnedUsers = ConcurrentHashMap.newKeySet();
  private long bytes;

  /**
   * @param budget bytes of loaded adapters to keep (held ones may exceed it until released)
   * @param workDir where fetched files are staged while they load (deleted after each load)
   */
  public AdapterCache(
      UserAdapters source, Loader loader, long budget, Listener listener, Path workDir) {
    if (budget < 0) {
      throw new IllegalArgumentException("budget must be >= 0 bytes, got " + budget);
    }
    this.source = Objects.requireNonNull(source, "source");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.budget = budget;
    this.listener = listener == null ? new Listener() {} : listener;
    this.workDir = workDir;
    this.loads =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "persona4j-adapter-loader");
              t.setDaemon(true);
              return t;
            });
    source.addListener(this::onUserChanged);
  }

  /**
   * The adapter of {@code ref}, loading it if needed, held until the lease is closed.
   *
   * @throws IOException if it cannot be fetched or loaded (naming the version and the cause)
   * @throws TimeoutException if the load takes longer than {@code timeout}
   */
  public Lease acquire(AdapterRef ref, Duration timeout) throws IOException, TimeoutException {
    Entry e;
    synchronized (this) {
      e = entries.get(ref.label());
      if (e == null || e.removed) {
        e = new Entry(ref);
        entries.put(e.key(), e);
        startLoad(e);
        listener.miss();
      } else if (e.future.isDone()) {
        listener.hit();
      } else {
        listener.miss(); // already loading: this request waits for it too
      }
      e.pins++;
    }
    try {
      Personalization p = e.future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return new Lease(e, p);
    } catch (ExecutionException x) {
      release(e);
      Throwable c = x.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException("adapter " + ref.label() + " could not be loaded: " + c, c);
    } catch (InterruptedException x) {
      release(e);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while loading adapter " + ref.label());
    } catch (TimeoutException x) {
      release(e);
      throw x;
    }
  }

  /** Starts loading {@code ref} if it is not cached or loading (no hold). */
  public synchronized void prefetch(AdapterRef ref) {
    Entry e = entries.get(ref.label());
    if (e == null || e.removed) {
      e = new Entry(ref);
      entries.put(e.key(), e);
      startLoad(e);
    }
  }

  /** Keeps {@code user}'s adapters out of eviction and loads the active one now. */
  public void pinUser(String user) throws IOException {
    pinnedUsers.add(user);
    source.active(user).ifPresent(this::prefetch);
  }

  /** Ends {@link #pinUser}. */
  public void unpinUser(String user) {
    pinnedUsers.remove(user);
    synchronized (this) {
      evict();
    }
  }

  public Set<String> pinnedUsers() {
    return Set.copyOf(pinnedUsers);
  }

  /**
   * The source reports that {@code user}'s active adapter changed (null: anyone's may have): drops
   * the user's other versions once unheld, and loads the new one now if the user was cached or
   * pinned.
   */
  public void onUserChanged(String user) {
    if (user == null) { // anything may have changed: re-check every user held
      List<String> users;
      synchronized (this) {
        users = entries.values().stream().map(e -> e.ref.user()).distinct().toList();
      }
      users.forEach(this::onUserChanged);
      pinnedUsers.forEach(this::onUserChanged);
      return;
    }
    Optional<AdapterRef> active;
    try {
      active = source.active(user);
    } catch (IOException e) {
      LOG.warn("adapter source: cannot read the active adapter of {}: {}", user, e.toString());
      return;
    }
    boolean wasCached = false;
    synchronized (this) {
      for (Entry e : List.copyOf(entries.values())) {
        if (e.ref.user().equals(user)
            && (active.isEmpty() || e.ref.version() != active.get().version())) {
          wasCached = true;
          e.stale = true;
          if (e.pins == 0) {
            remove(e);
          }
        }
      }
    }
    if (active.isPresent() && (wasCached || pinnedUsers.contains(user))) {
      prefetch(active.get());
    }
  }

  /** Bytes of the loaded adapters. */
  public synchronized long bytes() {
    return bytes;
  }

  public long budget() {
    return budget;
  }

  /** Loaded or loading entries. */
  public synchronized int size() {
    return entries.size();
  }

  /** What is cached, least recently used first: {@code user@version -> bytes, holds}. */
  public synchronized List<Map<String, Object>> describe() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("adapter", e.key());
      m.put("state", e.future.isDone() ? "loaded" : "loading");
      m.put("bytes", e.bytes);
      m.put("holds", e.pins);
      m.put("pinned", pinnedUsers.contains(e.ref.user()));
      m.put("stale", e.stale);
      out.add(m);
    }
    return out;
  }

  /** Whether {@code ref} is loaded (for tests and the admin listing). */
  public synchronized boolean isLoaded(AdapterRef ref) {
    Entry e = entries.get(ref.label());
    return e != null && e.future.isDone() && !e.future.isCompletedExceptionally();
  }

  private void startLoad(Entry e) {
    loads.execute(() -> load(e));
  }

  private void load(Entry e) {
    long t0 = System.nanoTime();
    Path dir = null;
    try {
      dir = Files.createTempDirectory(workDir, "adapter-");
      source.fetch(e.ref, dir);
      Personalization p = loader.load(e.ref, dir);
      long b = p.bytes();
      boolean keep;
      synchronized (this) { // accounted and visible at once (remove() sees both or neither)
        keep = !e.removed;
        if (keep) {
          e.bytes = b;
          bytes += b;
          listener.loaded(e.ref, b, System.nanoTime() - t0);
          e.future.complete(p);
        }
      }
      if (!keep) { // removed while loading (e.g. the user was deleted): nobody may hold it
        p.close();
        e.future.completeExceptionally(
            new IOException("adapter " + e.ref.label() + " was removed while it loaded"));
        return;
      }
      synchronized (this) {
        evict();
      }
    } catch (IOException | RuntimeException x) {
      LOG.warn("adapter {} could not be loaded: {}", e.ref.label(), x.toString());
      listener.loadFailed(e.ref, x);
      synchronized (this) {
        if (!e.removed) {
          e.removed = true;
          entries.remove(e.key(), e);
        }
      }
      e.future.completeExceptionally(
          x instanceof IOException
              ? new IOException("adapter " + e.ref.label() + ": " + x.getMessage(), x)
              : x);
    } finally {
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  private synchronized void release(Entry e) {
    e.pins--;
    if (e.pins == 0 && e.stale) {
      remove(e);
    }
  }

  /** Evicts unheld, unpinned, loaded entries, least recently used first, until within budget. */
  private void evict() {
    if (bytes <= budget) {
      return;
    }
    Iterator<Entry> it = List.copyOf(entries.values()).iterator();
    while (bytes > budget && it.hasNext()) {
      Entry e = it.next();
      if (e.pins == 0 && e.future.isDone() && !pinnedUsers.contains(e.ref.user())) {
        long b = e.bytes;
        remove(e);
        listener.evicted(e.ref, b);
      }
    }
  }

  /** Drops an entry (caller holds the lock); closes its adapter if it was loaded. */
  private void remove(Entry e) {
    if (e.removed) {
      return;
    }
    e.removed = true;
    entries.remove(e.key(), e);
    if (e.future.isDone() && !e.future.isCompletedExceptionally()) {
      bytes -= e.bytes;
      e.future.join().close();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  /** Stops the loader and frees every adapter (callers must be done with their leases). */
  @Override
  public void close() {
    loads.shutdownNow();
    try {
      loads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      for (Entry e : List.copyOf(entries.values())) {
        remove(e);
      }
    }
  }
}
