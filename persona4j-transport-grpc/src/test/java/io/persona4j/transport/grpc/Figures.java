/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Measured figures of the security tests (time to close idle connections, memory growth, login
 * rate), appended to {@code target/security-figures.txt} instead of the console, so the test output
 * stays quiet and docs/SECURITY.md can quote them.
 */
final class Figures {
  private Figures() {}

  static void record(String line) {
    try {
      Path file = Path.of("target", "security-figures.txt");
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          line + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
