/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One dropped interaction row and why.
 *
 * @param reason why it was dropped
 * @param file the file it came from, null for rows added in memory
 * @param line its 1-based line in {@code file} (for rows added in memory: their 1-based order)
 * @param detail user, item and what made the row unusable
 */
public record DatasetProblem(DropReason reason, Path file, long line, String detail) {
  public DatasetProblem {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    String where = file == null ? "row " + line : file + ":" + line;
    return where + ": " + reason.label() + ": " + detail;
  }
}
