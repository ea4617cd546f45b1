/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The response objects of OpenAI's API as its documentation and SDKs define them: {@code
 * text_completion}, {@code chat.completion} and their streamed chunks.
 */
public final class OpenAiJson {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private OpenAiJson() {}

  /** A fresh id with OpenAI's prefix, e.g. {@code cmpl-...} or {@code chatcmpl-...}. */
  public static String newId(String prefix) {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return prefix + "-" + HexFormat.of().formatHex(b);
  }

  /** The envelope shared by every object of one response. */
  public record Meta(String id, long created, String model, String fingerprint) {}

  static ObjectNode envelope(Meta m, String object) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", m.id());
    o.put("object", object);
    o.put("created", m.created());
    o.put("model", m.model());
    o.put("system_fingerprint", m.fingerprint());
    return o;
  }

  static ObjectNode usage(int prompt, int completion) {
    ObjectNode u = JSON.createObjectNode();
    u.put("prompt_tokens", prompt);
    u.put("completion_tokens", completion);
    u.put("total_tokens", prompt + completion);
    return u;
  }

  private static void finish(ObjectNode choice, String reason) {
    if (reason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", reason);
    }
  }

  /** A whole {@code text_completion}. */
  public static ObjectNode completion(Meta m, String text, String reason, int prompt, int gen) {
    ObjectNode o = envelope(m, "text_completion");
    ObjectNode c = o.putArray("choices").addObject();
    c.put("text", text);
    c.put("index", 0);
    c.putNull("logprobs");
    finish(c, reason);
    o.set("usage", usage(prompt, gen));
    return o;
  }

  /** One streamed {@code text_completion} chunk. */
  public static ObjectNode completionChunk(Meta m, String text, String reason) {
    ObjectNode o = envelope(m, "text_completion");
    ObjectNode c = o.putArray("choices").addObject();
    c.put("text", text);
    c.put("index", 0);
    c.putNull("logprobs");
    finish(c, reason);
    return o;
  }

  /** A whole {@code chat.completion}. */
  public static ObjectNode chat(Meta m, String text, String reason, int prompt, int gen) {
    ObjectNode o = envelope(m, "chat.completion");
    ObjectNode c = o.putArray("choices").addObject();
    c.put("index", 0);
    ObjectNode msg = c.putObject("message");
    msg.put("role", "assistant");
    msg.put("content", text);
    msg.putNull("refusal");
    c.putNull("logprobs");
    finish(c, reason);
    o.set("usage", usage(prompt, gen));
    return o;
  }

  /**
   * One streamed {@code chat.completion.chunk}: the first carries the role, the last an empty delta
   * and the finish reason.
   */
  public static ObjectNode chatChunk(Meta m, String role, String text, String reason) {
    ObjectNode o = envelope(m, "chat.completion.chunk");
    ObjectNode c = o.putArray("choices").addObject();
    c.put("index", 0);
    ObjectNode delta = c.putObject("delta");
    if (role != null) {
      delta.put("role", role);
    }
    if (text != null) {
      delta.put("content", text);
    }
    c.putNull("logprobs");
    finish(c, reason);
    return o;
  }

  /** The last streamed chunk with {@code stream_options.include_usage}: no choices, the usage. */
  public static ObjectNode usageChunk(Meta m, String object, int prompt, int gen) {
    ObjectNode o = envelope(m, object);
    o.putArray("choices");
    o.set("usage", usage(prompt, gen));
    return o;
  }

  /** {@code GET /v1/models}. */
  public static ObjectNode models(String id, long created) {
    ObjectNode o = JSON.createObjectNode();
    o.put("object", "list");
    ArrayNode data = o.putArray("data");
    data.add(model(id, created));
    return o;
  }

  public static ObjectNode model(String id, long created) {
    ObjectNode m = JSON.createObjectNode();
    m.put("id", id);
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "persona4j");
    return m;
  }
}
