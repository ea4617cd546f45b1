/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client tokens file of {@code persona4j fed server} (TLS files: {@link
 * io.persona4j.transport.grpc.TlsCredentials#loadTrustStore}).
 */
final class FedFiles {
  private FedFiles() {}

  /**
   * Reads a tokens file {@code {"client-id": "token", ...}}; errors name the file and the entry.
   */
  static Map<String, String> tokens(Path file) throws IOException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new IOException(
          "tokens file " + file + ": not valid JSON: " + e.getOriginalMessage() + Json.where(e), e);
    }
    if (root == null || !root.isObject() || root.isEmpty()) {
      throw new IOException(
          "tokens file " + file + ": must be a non-empty JSON object {\"client-id\": \"token\"}");
    }
    Map<String, String> out = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual() || e.getValue().asText().length() < 8) {
        throw new IOException(
            "tokens file "
                + file
                + ": the token of client '"
                + e.getKey()
                + "' must be a string of at least 8 characters");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return Collections.unmodifiableMap(out);
  }
}
