/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Revocation on a running server: watches the tokens file and, when its content changes, makes the
 * grid's allowed clients exactly the file's ({@link GrpcGrid#syncClients}): a client removed from
 * the file is revoked and its connection closed at once (mid-round too: its pending instruction
 * fails immediately), a changed token closes the connection that used the old one, a new client may
 * connect. A file that cannot be read or parsed after a change is reported and the previous clients
 * stay in force (a half-written edit never opens or closes anything). Polls every {@code interval}
 * (content hash, so an edit within the same second is seen).
 */
public final class TokensFileWatcher implements AutoCloseable {

  /** Reads a tokens file into client id to token (e.g. the CLI's reader, naming file and entry). */
  @FunctionalInterface
  public interface Loader {
    /** The file's tokens. */
    Map<String, String> load(Path file) throws IOException;
  }

  private final GrpcGrid grid;
  private final Path file;
  private final Loader loader;
  private final ConnectionEvents events;
  private final ScheduledExecutorService timer;
  private byte[] lastDigest;

  private TokensFileWatcher(
      GrpcGrid grid, Path file, Loader loader, ConnectionEvents events, Duration interval)
      throws IOException {
    this.grid = grid;
    this.file = file;
    this.loader = loader;
    this.events = events;
    this.lastDigest = digest(Files.readAllBytes(file));
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("p4j-tokens-watch").factory());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            poll();
          } catch (RuntimeException e) {
            events.clientsChanged("tokens file " + file + " not checked: " + e);
          }
        },
        interval.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Starts watching {@code file}, whose current content the grid's registry already holds.
   *
   * @param interval how often the file is checked, {@code > 0}
   */
  public static TokensFileWatcher start(GrpcGrid grid, Path file, Loader loader, Duration interval)
      throws IOException {
    Objects.requireNonNull(grid, "grid");
    Objects.requireNonNull(loader, "loader");
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be > 0, got " + interval);
    }
    return new TokensFileWatcher(grid, file, loader, grid.events(), interval);
  }

  /** Checks the file now (the timer calls this); returns whether the clients were re-synced. */
  synchronized boolean poll() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      events.clientsChanged(
          "tokens file " + file + " unreadable (" + e + "); keeping the previous clients");
      return false;
    }
    byte[] d = digest(bytes);
    if (Arrays.equals(d, lastDigest)) {
      return false;
    }
    lastDigest = d;
    try {
      grid.syncClients(loader.load(file));
      return true;
    } catch (IOException | RuntimeException e) {
      events.clientsChanged(
          "tokens file "
              + file
              + " changed but is invalid ("
              + e.getMessage()
              + "); keeping the previous clients");
      return false;
    }
  }

  private static byte[] digest(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** Stops watching. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
