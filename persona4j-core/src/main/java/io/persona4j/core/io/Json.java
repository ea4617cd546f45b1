/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Strict JSON parsing of untrusted headers and index files. */
final class Json {
  /** Rejects duplicate keys and trailing garbage; Jackson's stream constraints bound nesting. */
  static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  /**
   * Parses UTF-8 {@code bytes} (as the format requires; Jackson would otherwise guess UTF-16/32)
   * that must hold one JSON object.
   *
   * @throws ModelFormatException naming {@code file} if they do not
   */
  static ObjectNode parseObject(Path file, byte[] bytes, String what) throws ModelFormatException {
    String text = utf8(file, bytes, what + " is not valid UTF-8");
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(
          file, null, what + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode object)) {
      throw new ModelFormatException(
          file,
          what + " is not a JSON object but " + (node == null ? "empty" : node.getNodeType()));
    }
    return object;
  }

  /**
   * {@code bytes} decoded as strict UTF-8.
   *
   * @throws ModelFormatException naming {@code file} with {@code problem} if they are not UTF-8
   */
  static String utf8(Path file, byte[] bytes, String problem) throws ModelFormatException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ModelFormatException(file, null, problem, e);
    }
  }

  /** Short description of a node for error messages (truncated). */
  static String abbreviate(JsonNode node) {
    String s = String.valueOf(node);
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
