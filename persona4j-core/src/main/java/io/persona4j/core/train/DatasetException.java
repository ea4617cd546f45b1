/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Training data that cannot be used as asked. The message names the file, and where they apply the
 * line (1-based), the field and the offending value.
 */
public final class DatasetException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long line;

  /** A problem with the file as a whole. */
  public DatasetException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
    this.line = 0;
  }

  /** A problem with one line ({@code field} may be null). */
  public DatasetException(Path file, long line, String field, String problem) {
    super(file + ":" + line + ": " + (field == null ? "" : "field '" + field + "': ") + problem);
    this.file = file;
    this.line = line;
  }

  public Path file() {
    return file;
  }

  /** The 1-based line at fault, 0 if the problem is not one line's. */
  public long line() {
    return line;
  }
}
