/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.persona4j.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;

/** JSON output of the benchmark commands. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  static void write(Path file, Object value) throws IOException {
    AtomicFiles.write(file, MAPPER.writeValueAsBytes(value));
    System.err.println("bench: wrote " + file);
  }
}
