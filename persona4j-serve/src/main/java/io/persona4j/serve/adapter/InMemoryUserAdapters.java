/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Adapters held in memory (their files' bytes), with publish, rollback and delete: for tests and
 * the demo before a store is attached. Thread-safe.
 */
public final class InMemoryUserAdapters implements UserAdapters, AdapterPublisher {
  private record Version(AdapterRef ref, Map<String, byte[]> files) {}

  private final Map<String, List<Version>> versions = new TreeMap<>();
  private final Map<String, Integer> activeIndex = new TreeMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  /**
   * Copies the regular files of the adapter directory {@code dir} as the user's next version and
   * makes it active.
   */
  public AdapterRef publish(String user, Path dir) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    if (!files.containsKey("adapter_config.json")) {
      throw new NoSuchFileException(dir.resolve("adapter_config.json").toString());
    }
    return publish(user, files, null).ref();
  }

  @Override
  public Published publish(String user, Map<String, byte[]> files, String note) {
    if (!files.containsKey("adapter_config.json")) {
      throw new IllegalArgumentException("adapter_config.json is missing");
    }
    AdapterRef ref;
    synchronized (this) {
      List<Version> list = versions.computeIfAbsent(user, u -> new ArrayList<>());
      long version = list.isEmpty() ? 1 : list.get(list.size() - 1).ref().version() + 1;
      long size = files.values().stream().mapToLong(b -> b.length).sum();
      ref = new AdapterRef(user, version, hash(files), size);
      list.add(new Version(ref, new TreeMap<>(files)));
      activeIndex.put(user, list.size() - 1);
    }
    notifyChanged(user);
    return new Published(ref, List.of());
  }

  /** Makes the user's previous version active again. */
  public AdapterRef rollback(String user) {
    AdapterRef ref;
    synchronized (this) {
      Integer i = activeIndex.get(user);
      if (i == null || i == 0) {
        throw new IllegalStateException("user " + user + " has no earlier version");
      }
      activeIndex.put(user, i - 1);
      ref = versions.get(user).get(i - 1).ref();
    }
    notifyChanged(user);
    return ref;
  }

  /** Removes every version of the user. */
  public void delete(String user) {
    synchronized (this) {
      versions.remove(user);
      activeIndex.remove(user);
    }
    notifyChanged(user);
  }

  @Override
  public synchronized Optional<AdapterRef> active(String user) {
    Integer i = activeIndex.get(user);
    return i == null ? Optional.empty() : Optional.of(versions.get(user).get(i).ref());
  }

  @Override
  public void fetch(AdapterRef ref, Path dir) throws IOException {
    Map<String, byte[]> files = null;
    synchronized (this) {
      for (Version v : versions.getOrDefault(ref.user(), List.of())) {
        if (v.ref().version() == ref.version()) {
          files = v.files();
        }
      }
    }
    if (files == null) {
      throw new NoSuchFileException("adapter " + ref.label() + " (deleted?)");
    }
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(dir.resolve(f.getKey()), f.getValue());
    }
  }

  @Override
  public synchronized List<String> users() {
    return List.copyOf(activeIndex.keySet());
  }

  @Override
  public void addListener(Consumer<String> listener) {
    listeners.add(listener);
  }

  @Override
  public String describe() {
    return "in-memory adapters";
  }

  private void notifyChanged(String user) {
    for (Consumer<String> l : listeners) {
      l.accept(user);
    }
  }

  static String hash(Map<String, byte[]> files) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet()) {
        md.update(f.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(f.getValue());
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }
}
