/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading the JSON files Persona4j and Hugging Face write (configs, metadata, checkpoint states) as
 * untrusted input, in one way: UTF-8, one object, no duplicate key, nothing after it.
 */
public final class JsonFiles {
  private JsonFiles() {}

  /**
   * The object in {@code file}.
   *
   * @throws ModelFormatException naming the file if it is not UTF-8, not valid JSON (a duplicate
   *     key included) or not one object
   * @throws IOException if it cannot be read
   */
  public static ObjectNode readObject(Path file) throws IOException {
    String text = Json.utf8(file, Files.readAllBytes(file), "not valid UTF-8");
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(file, null, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode object)) {
      throw new ModelFormatException(
          file, "expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType()));
    }
    return object;
  }
}
