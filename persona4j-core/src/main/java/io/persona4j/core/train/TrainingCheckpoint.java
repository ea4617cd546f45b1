/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A training checkpoint directory {@code <root>/checkpoint-<step>/} holding {@value #PARAMETERS}
 * (the trainable tensors), {@value #OPTIMIZER} (the optimizer state) and {@value #STATE} (step,
 * data position, seed, listener state; see {@link TrainerState}).
 *
 * <p>Written atomically: everything goes to a hidden temporary directory in {@code root}, each file
 * is synced, and the directory is renamed to its final name in one step. A crash at any point
 * leaves either the complete checkpoint or none (plus a hidden temporary directory, which {@link
 * #latest} ignores and the next write removes); an existing checkpoint is never half-overwritten.
 */
public final class TrainingCheckpoint {
  public static final String PARAMETERS = "trainable.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = "trainer_state.json";

  private static final String PREFIX = "checkpoint-";
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
  private static final String TEMP_PREFIX = ".checkpoint-";

  /** Called after each file is written; tests use it to simulate a crash mid-write. */
  @FunctionalInterface
  interface WriteHook {
    void afterFile(String fileName) throws IOException;
  }

  private TrainingCheckpoint() {}

  /** The directory of the checkpoint of {@code step} under {@code root}. */
  public static Path directory(Path root, long step) {
    return root.resolve(PREFIX + step);
  }

  /**
   * Writes a checkpoint atomically, replacing one of the same step.
   *
   * @return its directory
   */
  public static Path write(
      Path root,
      TrainerState state,
      Map<String, HostTensor> parameters,
      Map<String, HostTensor> optimizer)
      throws IOException {
    return write(root, state, parameters, optimizer, name -> {});
  }

  static Path write(
      Path root,
      TrainerState state,
      Map<String, HostTensor> parameters,
      Map<String, HostTensor> optimizer,
      WriteHook hook)
      throws IOException {
    Files.createDirectories(root);
    removeTemporaries(root);
    Path target = directory(root, state.step());
    Path tmp = Files.createTempDirectory(root, TEMP_PREFIX + state.step() + ".");
    boolean done = false;
    try {
      Map<String, String> meta = Map.of("format", TrainerState.FORMAT, "step", "" + state.step());
      SafetensorsWriter.write(tmp.resolve(PARAMETERS), parameters, meta);
      hook.afterFile(PARAMETERS);
      SafetensorsWriter.write(tmp.resolve(OPTIMIZER), optimizer, meta);
      hook.afterFile(OPTIMIZER);
      writeSynced(tmp.resolve(STATE), state.toJson());
      hook.afterFile(STATE);
      syncDirectory(tmp);
      Path old = null;
      if (Files.exists(target)) {
        old = Files.createTempDirectory(root, TEMP_PREFIX + state.step() + ".old.");
        Files.delete(old);
        move(target, old);
      }
      move(tmp, target);
      done = true;
      syncDirectory(root);
      if (old != null) {
        deleteRecursively(old);
      }
      return target;
    } finally {
      if (!done) {
        deleteRecursively(tmp);
      }
    }
  }

  /**
   * The checkpoint with the highest step under {@code root} (complete ones only: temporary
   * directories of interrupted writes are ignored), if any.
   */
  public static Optional<Path> latest(Path root) throws IOException {
    List<Path> all = list(root);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Complete checkpoint directories under {@code root}, oldest step first. */
  public static List<Path> list(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      s.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches())
          .forEach(out::add);
    }
    out.sort(Comparator.comparingLong(TrainingCheckpoint::stepOf));
    return out;
  }

  /** Deletes all but the newest {@code keep} checkpoints under {@code root}. */
  public static void prune(Path root, int keep) throws IOException {
    List<Path> all = list(root);
    for (int i = 0; i < all.size() - keep; i++) {
      deleteRecursively(all.get(i));
    }
  }

  /**
   * Reads and validates the state file of a checkpoint directory.
   *
   * @throws IOException naming the file if it is missing, or is not a state of a supported version
   */
  public static TrainerState readState(Path checkpoint) throws IOException {
    Path file = checkpoint.resolve(STATE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(checkpoint + ": not a training checkpoint (no " + STATE + ")");
    }
    return TrainerState.fromJson(file, Files.readAllBytes(file));
  }

  /** All tensors of a checkpoint's safetensors file, by name. */
  public static Map<String, HostTensor> readTensors(Path file) throws IOException {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (String name : f.names()) {
        out.put(name, f.hostTensor(name));
      }
    }
    return out;
  }

  private static long stepOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(p + " is not a checkpoint directory");
    }
    try {
      return Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static void writeSynced(Path file, byte[] bytes) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename " + from + " to " + to + " atomically on this file system", e);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported here (e.g. Windows): the rename is still atomic, only less durable.
    }
  }

  /** Removes hidden temporary directories left by interrupted writes. */
  private static void removeTemporaries(Path root) throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
        deleteRecursively(p);
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
