/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Writes a file through a synced temporary file in the same directory and an atomic rename: a
 * reader sees the old file or the new one, never a part. Every file Persona4j writes (weights,
 * configs, metadata, checkpoints) goes through here.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Produces a file's content. */
  @FunctionalInterface
  public interface Content {
    /** Writes the whole content to {@code channel}. */
    void writeTo(FileChannel channel) throws IOException;
  }

  /** Replaces {@code target} with {@code bytes} (see {@link #write(Path, Content)}). */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(
        target,
        channel -> {
          ByteBuffer b = ByteBuffer.wrap(bytes);
          while (b.hasRemaining()) {
            channel.write(b);
          }
        });
  }

  /** Replaces {@code target} with {@code text} in UTF-8 (see {@link #write(Path, Content)}). */
  public static void writeString(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Replaces {@code target} with what {@code content} writes. A new file gets owner-only
   * permissions (the temporary file's); a replaced one keeps its POSIX permissions.
   */
  public static void write(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    boolean moved = false;
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        content.writeTo(channel);
        channel.force(true);
      }
      keepPermissions(target, tmp);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
      syncDirectory(dir);
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private static void keepPermissions(Path target, Path tmp) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class);
    if (view != null && Files.exists(target)) {
      Set<PosixFilePermission> permissions = view.readAttributes().permissions();
      Files.setPosixFilePermissions(tmp, permissions);
    }
  }

  /** Makes the rename durable where the platform allows syncing a directory (Linux, macOS). */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported here (e.g. Windows): the rename is still atomic, only less durable.
    }
  }
}
