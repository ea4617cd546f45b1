/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of file and directory options, naming the option and the path that was tried. */
final class CliFiles {
  private CliFiles() {}

  /**
   * Returns {@code path} if it is a readable regular file.
   *
   * @param option the option that gave it, e.g. {@code --data}
   * @param what what the file should be, e.g. {@code a JSONL file}
   * @throws IllegalArgumentException naming the option, the path (absolute) and what was expected
   */
  static Path requireFile(Path path, String option, String what) {
    if (Files.isRegularFile(path) && Files.isReadable(path)) {
      return path;
    }
    String problem =
        Files.isDirectory(path)
            ? "is a directory"
            : Files.exists(path) ? "is not a readable file" : "no such file";
    throw problem(option, path, problem, what);
  }

  /**
   * Returns {@code path} if it is a directory.
   *
   * @throws IllegalArgumentException naming the option, the path (absolute) and what was expected
   */
  static Path requireDirectory(Path path, String option, String what) {
    if (Files.isDirectory(path)) {
      return path;
    }
    String problem = Files.exists(path) ? "is a file, not a directory" : "no such directory";
    throw problem(option, path, problem, what);
  }

  private static IllegalArgumentException problem(
      String option, Path path, String problem, String what) {
    return new IllegalArgumentException(
        option
            + " "
            + path
            + ": "
            + problem
            + " (tried "
            + path.toAbsolutePath().normalize()
            + "); expected "
            + what);
  }
}
