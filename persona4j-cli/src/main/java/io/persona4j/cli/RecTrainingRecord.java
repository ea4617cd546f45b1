/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.persona4j.core.config.JsonErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The data selection {@code persona4j rec train} used, recorded as {@value #FILE} beside what it
 * wrote (an adapter or a SASRec model), so that {@code rec eval} evaluates the same users: the
 * users sampled ({@code --max-users}) decide the split, and another sample means other test users.
 *
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param method sasrec or llm
 * @param data the data directory (absolute)
 * @param maxUsers users sampled (0: all)
 * @param splitSeed seed of the user sample and candidate sets
 */
record RecTrainingRecord(
    @JsonProperty("format_version") String formatVersion,
    @JsonProperty("method") String method,
    @JsonProperty("data") String data,
    @JsonProperty("max_users") int maxUsers,
    @JsonProperty("split_seed") long splitSeed) {
  static final String FILE = "training.json";
  static final String FORMAT_VERSION = "1";

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  RecTrainingRecord {
    if (!FORMAT_VERSION.equals(formatVersion)) {
      throw new IllegalArgumentException(
          "format_version '" + formatVersion + "' is not one this build reads ('1')");
    }
  }

  static RecTrainingRecord of(String method, Path data, int maxUsers, long splitSeed) {
    return new RecTrainingRecord(
        FORMAT_VERSION, method, data.toAbsolutePath().normalize().toString(), maxUsers, splitSeed);
  }

  /** Writes {@code dir/training.json} atomically (a temporary file moved into place). */
  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, FILE, ".tmp");
    try {
      Files.writeString(tmp, MAPPER.writeValueAsString(this) + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads {@code dir/training.json}, or empty if there is none (output of an older version).
   *
   * @throws IOException naming the file if it is malformed
   */
  static Optional<RecTrainingRecord> read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(MAPPER.readValue(file.toFile(), RecTrainingRecord.class));
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": " + JsonErrors.describe(e), e);
    }
  }
}
