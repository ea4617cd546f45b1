/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/completions}: a prompt as text or as token ids (one prompt per request).
 *
 * @param promptText the prompt, or null if given as token ids
 * @param promptIds the prompt's token ids, or null if given as text
 */
public record CompletionRequest(
    String model, String promptText, long[] promptIds, GenerationParams params) {
  /** OpenAI's default {@code max_tokens} for completions. */
  public static final int DEFAULT_MAX_TOKENS = 16;

  /** Validates a request body; errors are 400s naming the field. */
  public static CompletionRequest parse(ObjectNode body) {
    String model = RequestFields.model(body);
    JsonNode p = body.get("prompt");
    if (p == null || p.isNull()) {
      throw ApiException.invalid("prompt", "you must provide a prompt");
    }
    String text = null;
    long[] ids = null;
    if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
      p = p.get(0); // ["text"] or [[ids]]: one prompt
    }
    if (p.isTextual()) {
      text = p.asText();
    } else if (p.isArray()) {
      ids = new long[p.size()];
      for (int i = 0; i < p.size(); i++) {
        JsonNode x = p.get(i);
        if (x.isTextual() || x.isArray()) {
          throw ApiException.invalid(
              "prompt", "one prompt per request: send the " + p.size() + " prompts separately");
        }
        if (!x.isIntegralNumber() || x.asLong() < 0) {
          throw ApiException.invalid(
              "prompt", "prompt token ids must be integers >= 0, got " + x.toString());
        }
        ids[i] = x.asLong();
      }
      if (ids.length == 0) {
        throw ApiException.invalid("prompt", "the prompt is empty");
      }
    } else {
      throw ApiException.invalid(
          "prompt", "prompt must be a string or a list of token ids, got " + p.getNodeType());
    }
    return new CompletionRequest(model, text, ids, RequestFields.sampling(body, false));
  }
}
