/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file Persona4j reads (weights, shard index, model or adapter config, checkpoint, metadata) is
 * malformed, of an unknown format version, or does not hold what was asked for. The message always
 * names the file and, where one is involved, the tensor or the field and its value. This is the one
 * checked exception for bad files (see docs/ARCHITECTURE.md, "Errors"); a config value that is
 * invalid when built in code is a {@link io.persona4j.core.config.ConfigException} instead, which
 * readers rethrow as this exception with the file's name.
 */
public final class ModelFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  /** A problem with the file as a whole. */
  public ModelFormatException(Path file, String problem) {
    this(file, null, problem, null);
  }

  /** A problem with one tensor of the file ({@code tensor} may be null). */
  public ModelFormatException(Path file, String tensor, String problem) {
    this(file, tensor, problem, null);
  }

  /**
   * A problem with one tensor of the file ({@code tensor} may be null), caused by {@code cause}.
   */
  public ModelFormatException(Path file, String tensor, String problem, Throwable cause) {
    super(message(file, tensor, problem), cause);
    this.file = file;
    this.tensor = tensor;
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The tensor at fault, if the problem concerns one. */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }

  private static String message(Path file, String tensor, String problem) {
    StringBuilder b = new StringBuilder().append(file);
    if (tensor != null) {
      b.append(": tensor '").append(tensor).append('\'');
    }
    return b.append(": ").append(problem).toString();
  }
}
