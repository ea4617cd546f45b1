/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code POST /v1/chat/completions}: messages rendered with the model's chat template. */
public record ChatRequest(
    String model, List<ChatTemplate.Message> messages, GenerationParams params) {
  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  public ChatRequest {
    messages = List.copyOf(messages);
  }

  /** Validates a request body; errors are 400s naming the field, e.g. {@code messages[2].role}. */
  public static ChatRequest parse(ObjectNode body) {
    String model = RequestFields.model(body);
    JsonNode ms = body.get("messages");
    if (ms == null || !ms.isArray() || ms.isEmpty()) {
      throw ApiException.invalid("messages", "messages must be a non-empty list of messages");
    }
    List<ChatTemplate.Message> messages = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      JsonNode m = ms.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiException.invalid(where, where + " must be an object with role and content");
      }
      String role = m.path("role").asText("");
      if (!ROLES.contains(role)) {
        throw ApiException.invalid(
            where + ".role", where + ".role '" + role + "' is not one of " + ROLES);
      }
      if (role.equals("developer")) {
        role = "system"; // OpenAI's newer name for system instructions
      }
      messages.add(new ChatTemplate.Message(role, content(m.get("content"), where + ".content")));
    }
    return new ChatRequest(model, messages, RequestFields.sampling(body, true));
  }

  /** A string, or a list of parts of which only text parts are supported. */
  private static String content(JsonNode c, String where) {
    if (c == null || c.isNull()) {
      throw ApiException.invalid(where, where + " is required");
    }
    if (c.isTextual()) {
      return c.asText();
    }
    if (c.isArray()) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < c.size(); i++) {
        JsonNode part = c.get(i);
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiException.invalid(
              where + "[" + i + "]",
              "only text content parts are supported, got type '"
                  + part.path("type").asText()
                  + "'");
        }
        s.append(part.get("text").asText());
      }
      return s.toString();
    }
    throw ApiException.invalid(where, where + " must be a string or a list of text parts");
  }
}
