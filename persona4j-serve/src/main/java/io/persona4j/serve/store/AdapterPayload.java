/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The files of one entry: relative paths ({@code /}-separated, e.g. {@code adapter_config.json},
 * {@code local/adapter_model.safetensors}) to their bytes. Immutable; {@link #writeTo} reproduces
 * the directory byte for byte (file contents and names; not timestamps or permissions).
 */
public final class AdapterPayload {
  private final TreeMap<String, byte[]> files;
  private final long byteSize;
  private final String contentHash;
  private final String origin;

  private AdapterPayload(TreeMap<String, byte[]> files, String origin) {
    this.files = files;
    this.origin = origin;
    long size = 0;
    ContentHash hash = new ContentHash();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      size += e.getValue().length;
      hash.add(e.getKey(), e.getValue());
    }
    this.byteSize = size;
    this.contentHash = hash.finish();
  }

  /** Wraps files that were already checked (no copies). */
  static AdapterPayload trusted(TreeMap<String, byte[]> files) {
    return new AdapterPayload(files, null);
  }

  /** Files by path, checked against {@link StoreLimits#DEFAULT}; the arrays are copied. */
  public static AdapterPayload of(Map<String, byte[]> files) {
    return of(files, StoreLimits.DEFAULT);
  }

  /**
   * Files by path, checked against {@code limits}; the arrays are copied.
   *
   * @throws IllegalArgumentException naming the path or limit for an invalid path, no files, or too
   *     many or too large files
   */
  public static AdapterPayload of(Map<String, byte[]> files, StoreLimits limits) {
    TreeMap<String, byte[]> copy = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      StoreInputs.checkPath(e.getKey());
      if (e.getValue() == null) {
        throw new IllegalArgumentException("file " + StoreInputs.quote(e.getKey()) + " is null");
      }
      copy.put(e.getKey(), e.getValue().clone());
    }
    checkLimits(copy, limits, "payload");
    checkNoFileIsADirectory(copy);
    return new AdapterPayload(copy, null);
  }

  /** Every regular file under {@code dir}, checked against {@link StoreLimits#DEFAULT}. */
  public static AdapterPayload readDirectory(Path dir) throws IOException {
    return readDirectory(dir, StoreLimits.DEFAULT, p -> true);
  }

  /**
   * The regular files under {@code dir} whose relative path passes {@code include}.
   *
   * @throws NoSuchFileException if {@code dir} does not exist
   * @throws IllegalArgumentException naming the file for a symbolic link or special file, a name
   *     the store does not accept, no files, or a limit exceeded (checked before reading)
   */
  public static AdapterPayload readDirectory(
      Path dir, StoreLimits limits, Predicate<String> include) throws IOException {
    if (!Files.exists(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "adapter directory not found");
    }
    if (!Files.isDirectory(dir)) {
      throw new NotDirectoryException(dir + " (an adapter is a directory of files)");
    }
    List<Path> found = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (p.equals(dir)) {
          continue;
        }
        BasicFileAttributes a =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isDirectory()) {
          continue;
        }
        String rel = relative(dir, p);
        if (!include.test(rel)) {
          continue;
        }
        if (a.isSymbolicLink() || !a.isRegularFile()) {
          throw new IllegalArgumentException(
              p
                  + " is "
                  + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
                  + "; the store copies regular files only (copy the target into the directory)");
        }
        found.add(p);
      }
    }
    found.sort(Comparator.comparing(p -> relative(dir, p)));
    if (found.size() > limits.maxFiles()) {
      throw new IllegalArgumentException(
          dir + " holds " + found.size() + " files, more than the limit of " + limits.maxFiles());
    }
    long total = 0;
    for (Path p : found) {
      long size = Files.size(p);
      if (size > limits.maxFileBytes()) {
        throw new IllegalArgumentException(
            p + " has " + size + " bytes, more than the limit of " + limits.maxFileBytes());
      }
      total += size;
    }
    if (total > limits.maxEntryBytes()) {
      throw new IllegalArgumentException(
          dir + " holds " + total + " bytes, more than the limit of " + limits.maxEntryBytes());
    }
    TreeMap<String, byte[]> files = new TreeMap<>();
    for (Path p : found) {
      String rel = relative(dir, p);
      try {
        StoreInputs.checkPath(rel);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
      }
      files.put(rel, Files.readAllBytes(p));
    }
    checkLimits(files, limits, dir.toString());
    return new AdapterPayload(files, dir.toAbsolutePath().normalize().toString());
  }

  private static String relative(Path dir, Path p) {
    StringBuilder b = new StringBuilder();
    for (Path part : dir.relativize(p)) {
      if (!b.isEmpty()) {
        b.append('/');
      }
      b.append(part);
    }
    return b.toString();
  }

  private static void checkLimits(Map<String, byte[]> files, StoreLimits limits, String what) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException(what + " holds no files; an entry needs at least one");
    }
    if (files.size() > limits.maxFiles()) {
      throw new IllegalArgumentException(
          what + " holds " + files.size() + " files, more than the limit of " + limits.maxFiles());
    }
    long total = 0;
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      long n = e.getValue().length;
      if (n > limits.maxFileBytes()) {
        throw new IllegalArgumentException(
            what
                + ": file "
                + StoreInputs.quote(e.getKey())
                + " has "
                + n
                + " bytes, more than the limit of "
                + limits.maxFileBytes());
      }
      total += n;
    }
    if (total > limits.maxEntryBytes()) {
      throw new IllegalArgumentException(
          what + " holds " + total + " bytes, more than the limit of " + limits.maxEntryBytes());
    }
  }

  /** {@code a} and {@code a/b} cannot both be files. */
  private static void checkNoFileIsADirectory(TreeMap<String, byte[]> files) {
    for (String p : files.keySet()) {
      String next = files.higherKey(p + "/");
      if (next != null && next.startsWith(p + "/")) {
        throw new IllegalArgumentException(
            "payload has both a file " + StoreInputs.quote(p) + " and " + StoreInputs.quote(next));
      }
    }
  }

  /** Checks this payload against {@code limits}. */
  void checkLimits(StoreLimits limits) {
    checkLimits(files, limits, "payload");
  }

  /** The files' paths in order. */
  public NavigableSet<String> paths() {
    return Collections.unmodifiableNavigableSet(files.navigableKeySet());
  }

  /** Whether the payload has a file at {@code path}. */
  public boolean contains(String path) {
    return files.containsKey(path);
  }

  /** A copy of the bytes of the file at {@code path}. */
  public byte[] bytes(String path) {
    return file(path).clone();
  }

  /** The bytes of the file at {@code path}, read-only and without a copy. */
  public ByteBuffer buffer(String path) {
    return ByteBuffer.wrap(file(path)).asReadOnlyBuffer();
  }

  private byte[] file(String path) {
    byte[] b = files.get(path);
    if (b == null) {
      throw new IllegalArgumentException(
          "payload has no file " + StoreInputs.quote(path) + " (it has " + files.keySet() + ")");
    }
    return b;
  }

  /** Number of files. */
  public int fileCount() {
    return files.size();
  }

  /** Total bytes of all files. */
  public long byteSize() {
    return byteSize;
  }

  /** {@code sha256:<hex>} over paths, sizes and bytes (see the store's documentation). */
  public String contentHash() {
    return contentHash;
  }

  /**
   * The directory the files were read from, for messages; empty for payloads built in memory or
   * read from the store. Not part of the payload's identity ({@link #equals}).
   */
  public Optional<String> origin() {
    return Optional.ofNullable(origin);
  }

  /** Files in path order, without copies (for the store's writers). */
  Map<String, byte[]> files() {
    return Collections.unmodifiableMap(files);
  }

  /**
   * Writes the files into {@code dir}, which must not exist or be empty. The files are written and
   * synced in a temporary sibling directory that is then renamed to {@code dir}, so {@code dir}
   * never holds a partial payload.
   *
   * @throws FileAlreadyExistsException if {@code dir} is a file
   * @throws DirectoryNotEmptyException if {@code dir} is a non-empty directory
   */
  public Path writeTo(Path dir) throws IOException {
    return writeTo(dir, true);
  }

  /** As {@link #writeTo(Path)}; {@code sync} false skips fsync (for private scratch copies). */
  Path writeTo(Path dir, boolean sync) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(target.toString(), null, "not a directory");
      }
      try (Stream<Path> s = Files.list(target)) {
        if (s.findAny().isPresent()) {
          throw new DirectoryNotEmptyException(
              target + " (the output directory must be new or empty)");
        }
      }
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
    try {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        Path f = tmp.resolve(e.getKey());
        Files.createDirectories(f.getParent());
        try (FileChannel ch =
            FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(e.getValue());
          while (b.hasRemaining()) {
            ch.write(b);
          }
          if (sync) {
            ch.force(true);
          }
        }
      }
      Files.deleteIfExists(target); // an empty directory
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
      if (sync) {
        syncDirectory(parent);
      }
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
    return target;
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // not every file system syncs directories; the files themselves are synced
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  /** Same paths with the same bytes. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AdapterPayload other)
        || !contentHash.equals(other.contentHash)
        || !files.keySet().equals(other.files.keySet())) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      if (!Arrays.equals(e.getValue(), other.files.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return contentHash.hashCode();
  }

  @Override
  public String toString() {
    return "AdapterPayload["
        + files.size()
        + " files, "
        + byteSize
        + " bytes, "
        + contentHash
        + "]";
  }
}
