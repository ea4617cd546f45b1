/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The vocabulary facts of a Hugging Face {@code tokenizer.json} that the native tokenizer does not
 * expose: token strings and ids (model vocabulary plus added tokens), which added tokens are
 * special, and the model's unknown token.
 */
final class TokenizerJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Map<String, Long> ids;
  private final Map<Long, String> tokens;
  private final Map<String, Long> addedTokens;
  private final Set<Long> specialIds;
  private final String unkToken;

  private TokenizerJson(
      Map<String, Long> ids,
      Map<Long, String> tokens,
      Map<String, Long> addedTokens,
      Set<Long> specialIds,
      String unkToken) {
    this.ids = ids;
    this.tokens = tokens;
    this.addedTokens = addedTokens;
    this.specialIds = specialIds;
    this.unkToken = unkToken;
  }

  /**
   * Parses the text of {@code file}.
   *
   * @throws IOException naming {@code file} when the text is not JSON or not a tokenizer.json
   */
  static TokenizerJson parse(Path file, String json) throws IOException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JacksonException e) {
      throw new IOException(
          "Invalid tokenizer file " + file + ": not valid JSON (" + e.getOriginalMessage() + ")",
          e);
    }
    if (root == null || !root.isObject() || !root.path("model").isObject()) {
      throw new IOException(
          "Invalid tokenizer file " + file + ": not a Hugging Face tokenizer.json (no \"model\")");
    }
    JsonNode model = root.get("model");
    Map<String, Long> ids = new HashMap<>();
    JsonNode vocab = model.path("vocab");
    if (vocab.isObject()) { // BPE, WordPiece, WordLevel: {"token": id}
      for (Map.Entry<String, JsonNode> e : vocab.properties()) {
        ids.put(e.getKey(), e.getValue().asLong());
      }
    } else if (vocab.isArray()) { // Unigram: [["piece", score], ...], id = position
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).path(0).asText(), (long) i);
      }
    }
    Map<String, Long> added = new LinkedHashMap<>();
    Set<Long> special = new HashSet<>();
    for (JsonNode t : root.path("added_tokens")) {
      long id = t.path("id").asLong(-1);
      String content = t.path("content").asText(null);
      if (id < 0 || content == null) {
        throw new IOException("Invalid tokenizer file " + file + ": bad added token " + t);
      }
      added.put(content, id);
      ids.put(content, id);
      if (t.path("special").asBoolean(false)) {
        special.add(id);
      }
    }
    Map<Long, String> tokens = new HashMap<>();
    for (Map.Entry<String, Long> e : ids.entrySet()) {
      tokens.merge(e.getValue(), e.getKey(), (a, b) -> added.containsKey(a) ? a : b);
    }
    String unk = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;
    if (unk == null && model.path("unk_id").canConvertToLong()) {
      unk = tokens.get(model.get("unk_id").asLong());
    }
    return new TokenizerJson(
        Collections.unmodifiableMap(ids),
        Collections.unmodifiableMap(tokens),
        Collections.unmodifiableMap(added),
        Collections.unmodifiableSet(special),
        unk);
  }

  /** Number of distinct token ids (model vocabulary plus added tokens). */
  int vocabSize() {
    return tokens.size();
  }

  /** Id of a token string (model vocabulary or added token), or null. */
  Long id(String token) {
    return ids.get(token);
  }

  /** Token string of an id, or null. */
  String token(long id) {
    return tokens.get(id);
  }

  /** Added tokens in file order: content to id. */
  Map<String, Long> addedTokens() {
    return addedTokens;
  }

  /** Whether {@code id} is an added token marked {@code "special": true}. */
  boolean isSpecial(long id) {
    return specialIds.contains(id);
  }

  /** The model's unknown token ({@code unk_token} or {@code unk_id}), or null. */
  String unkToken() {
    return unkToken;
  }
}
