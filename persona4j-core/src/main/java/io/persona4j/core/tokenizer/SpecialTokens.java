/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The BOS, EOS, padding and unknown token ids of a tokenizer.
 *
 * <p>{@link #detect} finds them in the tokenizer.json by common names; {@link #withModelDirectory}
 * then lets the files of a model directory override them, in increasing priority: {@code
 * tokenizer_config.json} ({@code bos_token}, {@code eos_token}, {@code pad_token}, {@code
 * unk_token}: strings or {@code {"content": ...}} objects), {@code config.json} and {@code
 * generation_config.json} ({@code bos_token_id}, {@code eos_token_id}, {@code pad_token_id}, {@code
 * unk_token_id}: an id or a list of ids). Absent or {@code null} values keep what was found before.
 *
 * @param bos the beginning-of-sequence id, or -1
 * @param eos the end-of-sequence ids, the preferred one first (may be empty)
 * @param pad the padding id, or -1
 * @param unk the unknown-token id, or -1
 */
record SpecialTokens(long bos, List<Long> eos, long pad, long unk) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static final List<String> BOS_NAMES =
      List.of("<|begin_of_text|>", "<s>", "<bos>", "[CLS]", "<|endoftext|>");
  static final List<String> EOS_NAMES =
      List.of(
          "</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<eos>", "[SEP]");
  static final List<String> PAD_NAMES = List.of("<pad>", "[PAD]", "<|pad|>");
  static final List<String> UNK_NAMES = List.of("<unk>", "[UNK]", "<|unk|>");

  SpecialTokens {
    eos = List.copyOf(eos);
  }

  /** Finds the special tokens among the added tokens (then the vocabulary) by common names. */
  static SpecialTokens detect(TokenizerJson json) {
    long unk = json.unkToken() != null ? find(json, List.of(json.unkToken())) : -1;
    if (unk < 0) {
      unk = find(json, UNK_NAMES);
    }
    long eos = find(json, EOS_NAMES);
    return new SpecialTokens(
        find(json, BOS_NAMES), eos < 0 ? List.of() : List.of(eos), find(json, PAD_NAMES), unk);
  }

  private static long find(TokenizerJson json, List<String> names) {
    for (String name : names) {
      Long id = json.addedTokens().get(name);
      if (id != null) {
        return id;
      }
    }
    for (String name : names) {
      Long id = json.id(name);
      if (id != null) {
        return id;
      }
    }
    return -1;
  }

  /** Applies the overrides found in {@code modelDir}'s config files (see the class comment). */
  SpecialTokens withModelDirectory(Path modelDir, TokenizerJson json) throws IOException {
    SpecialTokens s = this;
    JsonNode tc = read(modelDir.resolve("tokenizer_config.json"));
    if (tc != null) {
      s =
          new SpecialTokens(
              byName(tc.get("bos_token"), json, s.bos),
              byNameList(tc.get("eos_token"), json, s.eos),
              byName(tc.get("pad_token"), json, s.pad),
              byName(tc.get("unk_token"), json, s.unk));
    }
    for (String file : List.of("config.json", "generation_config.json")) {
      JsonNode c = read(modelDir.resolve(file));
      if (c != null) {
        s =
            new SpecialTokens(
                byId(c.get("bos_token_id"), s.bos),
                byIdList(c.get("eos_token_id"), s.eos),
                byId(c.get("pad_token_id"), s.pad),
                byId(c.get("unk_token_id"), s.unk));
      }
    }
    return s;
  }

  private static JsonNode read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode node = MAPPER.readTree(file.toFile());
      if (node == null || !node.isObject()) {
        throw new IOException("Invalid model config file " + file + ": not a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      throw new IOException(
          "Invalid model config file " + file + ": not valid JSON (" + e.getOriginalMessage() + ")",
          e);
    }
  }

  private static long byName(JsonNode node, TokenizerJson json, long fallback) {
    if (node != null && node.isObject()) {
      node = node.get("content"); // {"__type": "AddedToken", "content": "<s>", ...}
    }
    if (node == null || !node.isTextual()) {
      return fallback;
    }
    Long id = json.id(node.asText());
    return id != null ? id : fallback;
  }

  private static List<Long> byNameList(JsonNode node, TokenizerJson json, List<Long> fallback) {
    long id = byName(node, json, -1);
    return id < 0 ? fallback : List.of(id);
  }

  private static long byId(JsonNode node, long fallback) {
    List<Long> ids = byIdList(node, List.of());
    return ids.isEmpty() ? fallback : ids.get(0);
  }

  private static List<Long> byIdList(JsonNode node, List<Long> fallback) {
    if (node == null) {
      return fallback;
    }
    List<Long> ids = new ArrayList<>();
    if (node.isIntegralNumber() && node.asLong() >= 0) {
      ids.add(node.asLong());
    } else if (node.isArray()) {
      for (JsonNode n : node) {
        if (n.isIntegralNumber() && n.asLong() >= 0 && !ids.contains(n.asLong())) {
          ids.add(n.asLong());
        }
      }
    }
    return ids.isEmpty() ? fallback : ids;
  }

  /** An optional view of an id that is -1 when absent. */
  static OptionalLong optional(long id) {
    return id < 0 ? OptionalLong.empty() : OptionalLong.of(id);
  }
}
