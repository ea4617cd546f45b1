/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import io.persona4j.serve.store.AdapterEntry;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterPayload;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.AdapterStoreException;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.IncompatibleBaseModelException;
import io.persona4j.serve.store.PublishRequest;
import io.persona4j.serve.store.PublishResult;
import io.persona4j.serve.store.StoreEvent;
import io.persona4j.serve.store.StoreSubscription;
import io.persona4j.serve.store.UserIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Users' active adapters of one {@link AdapterKind} from the {@link AdapterStore}: {@link
 * AdapterKind#LORA} for a decoder, {@link AdapterKind#CLASSIFIER} for an encoder. Every lookup
 * reads the store (one small query), so a version published or rolled back is served by the next
 * request; the store's change feed (SQLite polling, PostgreSQL LISTEN/NOTIFY, in every process on
 * the store) also reaches the adapter cache so it loads a new version before it is asked for.
 *
 * <p>A {@code user} that is not a valid store id (see {@link UserIds}) has no adapter: such a
 * request is served by the base model.
 */
public final class StoreUserAdapters implements UserAdapters, AdapterPublisher {
  /** Users listed for the web page at most. */
  static final int MAX_LISTED = 500;

  private final AdapterStore store;
  private final AdapterKind kind;
  private final boolean ownsStore;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService notifier;
  private final StoreSubscription subscription;
  private volatile BaseModel baseModel;

  /**
   * @param ownsStore whether {@link #close()} closes the store too
   */
  public StoreUserAdapters(AdapterStore store, AdapterKind kind, boolean ownsStore) {
    this.store = store;
    this.kind = kind;
    this.ownsStore = ownsStore;
    // The store's watcher thread must not wait for us: events are handed to a thread of our own.
    this.notifier =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "persona4j-store-events");
              t.setDaemon(true);
              return t;
            });
    this.subscription = store.subscribe(e -> notifier.execute(() -> dispatch(e)));
  }

  private void dispatch(StoreEvent e) {
    String user;
    if (e.isTargeted()) {
      if (e.kind() != kind) {
        return;
      }
      user = e.userId();
    } else {
      user = null; // an erasure (who is not said) or missed changes: re-check everyone held
    }
    for (Consumer<String> l : listeners) {
      l.accept(user);
    }
  }

  /**
   * The base model that {@link #publish} checks adapters against (the served one); without it
   * publishing is refused.
   */
  public StoreUserAdapters withBaseModel(BaseModel base) {
    this.baseModel = base;
    return this;
  }

  @Override
  public Published publish(String user, Map<String, byte[]> files, String note) throws IOException {
    BaseModel base = baseModel;
    if (base == null) {
      throw new IllegalStateException("publishing needs the served base model (withBaseModel)");
    }
    try {
      PublishResult r =
          store.publish(
              PublishRequest.builder()
                  .setUserId(user)
                  .setPayload(AdapterPayload.of(files))
                  .setBaseModel(base)
                  .optKind(kind)
                  .optSource(io.persona4j.serve.store.AdapterSource.manual(note))
                  .build());
      return new Published(ref(r.entry()), r.warnings());
    } catch (IncompatibleBaseModelException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (AdapterStoreException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  public AdapterKind kind() {
    return kind;
  }

  public AdapterStore store() {
    return store;
  }

  @Override
  public Optional<AdapterRef> active(String user) throws IOException {
    if (!UserIds.isValid(user)) {
      return Optional.empty();
    }
    try {
      return store.active(user, kind).map(StoreUserAdapters::ref);
    } catch (AdapterStoreException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static AdapterRef ref(AdapterEntry e) {
    return new AdapterRef(e.userId(), e.version(), e.contentHash(), e.byteSize());
  }

  @Override
  public void fetch(AdapterRef ref, Path dir) throws IOException {
    try {
      // Staged files the loader deletes right after reading: written without the fsync of
      // AdapterPayload.writeTo, which makes a cold load several times slower on a busy disk.
      AdapterPayload payload = store.read(ref.user(), kind, ref.version()).payload();
      Path root = dir.toAbsolutePath().normalize();
      for (String path : payload.paths()) {
        Path f = root.resolve(path).normalize();
        if (!f.startsWith(root)) {
          throw new IOException("adapter " + ref.label() + ": file " + path + " leaves its folder");
        }
        Files.createDirectories(f.getParent());
        Files.write(f, payload.bytes(path));
      }
    } catch (AdapterStoreException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public List<String> users() throws IOException {
    List<String> out = new ArrayList<>();
    try {
      String after = null;
      while (out.size() < MAX_LISTED) {
        List<String> page = store.users(after, 200);
        if (page.isEmpty()) {
          break;
        }
        for (String u : page) {
          if (out.size() < MAX_LISTED && store.activeVersion(u, kind).isPresent()) {
            out.add(u);
          }
        }
        after = page.get(page.size() - 1);
      }
    } catch (AdapterStoreException e) {
      throw new IOException(e.getMessage(), e);
    }
    return out;
  }

  @Override
  public void addListener(Consumer<String> listener) {
    listeners.add(listener);
  }

  @Override
  public String describe() {
    return store.displayUrl() + " (" + kind.id() + " adapters)";
  }

  @Override
  public void close() {
    subscription.close();
    notifier.shutdownNow();
    if (ownsStore) {
      store.close();
    }
  }
}
