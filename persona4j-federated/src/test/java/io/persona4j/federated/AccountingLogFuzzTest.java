/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the federated JSONL reader ({@link AccountingLog#read}: what {@code
 * fed} commands, charts and resumes read back): any bytes as the log file. Only an {@link
 * IOException} naming the file and line may come out.
 */
class AccountingLogFuzzTest {

  private static final Path FILE;

  static {
    try {
      FILE = Files.createTempFile("p4j-fuzz-accounting", ".jsonl");
      FILE.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "120s")
  void anyLogReadsOrFailsNamingTheLine(byte[] data) throws IOException {
    Files.write(FILE, data);
    try {
      AccountingLog.read(FILE);
    } catch (IOException expected) {
      if (expected.getMessage() == null || !expected.getMessage().contains(FILE.toString())) {
        if (!(expected instanceof java.nio.charset.CharacterCodingException)) {
          throw new IllegalStateException("error does not name the file", expected);
        }
      }
    }
  }
}
