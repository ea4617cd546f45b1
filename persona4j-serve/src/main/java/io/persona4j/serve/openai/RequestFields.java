/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and validates the fields OpenAI's completion and chat requests share; every error is a 400
 * naming the field and the value, as OpenAI's are.
 */
final class RequestFields {
  /** Longest {@code user} field accepted. */
  static final int MAX_USER_LENGTH = 256;

  private RequestFields() {}

  static String model(ObjectNode body) {
    JsonNode m = body.get("model");
    if (m == null || m.isNull()) {
      throw ApiException.invalid("model", "you must provide a model parameter");
    }
    if (!m.isTextual()) {
      throw ApiException.invalid("model", "model must be a string, got " + m.getNodeType());
    }
    return m.asText();
  }

  static GenerationParams sampling(ObjectNode body, boolean chat) {
    rejectUnsupported(body, chat);
    Integer maxTokens = null;
    String maxField = "max_tokens";
    if (chat && body.hasNonNull("max_completion_tokens")) {
      maxField = "max_completion_tokens";
    }
    JsonNode mt = body.get(maxField);
    if (mt != null && !mt.isNull()) {
      if (!mt.canConvertToInt() || !mt.isIntegralNumber() || mt.asInt() < 1) {
        throw ApiException.invalid(
            maxField, maxField + " must be an integer >= 1, got " + mt.toString());
      }
      maxTokens = mt.asInt();
    }
    float temperature = (float) number(body, "temperature", 1.0, 0.0, 2.0);
    float topP = (float) number(body, "top_p", 1.0, 0.0, 1.0);
    if (topP <= 0f) {
      throw ApiException.invalid("top_p", "top_p must be > 0 and <= 1, got " + topP);
    }
    List<String> stop = new ArrayList<>();
    JsonNode s = body.get("stop");
    if (s != null && !s.isNull()) {
      if (s.isTextual()) {
        stop.add(s.asText());
      } else if (s.isArray()) {
        if (s.size() > 4) {
          throw ApiException.invalid("stop", "stop takes at most 4 sequences, got " + s.size());
        }
        for (JsonNode x : s) {
          if (!x.isTextual()) {
            throw ApiException.invalid("stop", "stop must be a string or a list of strings");
          }
          stop.add(x.asText());
        }
      } else {
        throw ApiException.invalid("stop", "stop must be a string or a list of strings");
      }
      for (String x : stop) {
        if (x.isEmpty()) {
          throw ApiException.invalid("stop", "stop sequences must not be empty");
        }
      }
    }
    Long seed = null;
    JsonNode sd = body.get("seed");
    if (sd != null && !sd.isNull()) {
      if (!sd.isIntegralNumber() || !sd.canConvertToLong()) {
        throw ApiException.invalid("seed", "seed must be an integer, got " + sd.toString());
      }
      seed = sd.asLong();
    }
    boolean stream = bool(body, "stream");
    boolean includeUsage = false;
    JsonNode so = body.get("stream_options");
    if (so != null && !so.isNull()) {
      if (!stream) {
        throw ApiException.invalid(
            "stream_options", "stream_options is only allowed when stream is true");
      }
      includeUsage = so.path("include_usage").asBoolean(false);
    }
    String user = null;
    JsonNode u = body.get("user");
    if (u != null && !u.isNull()) {
      if (!u.isTextual()) {
        throw ApiException.invalid("user", "user must be a string, got " + u.getNodeType());
      }
      user = u.asText();
      if (user.isEmpty()) {
        user = null;
      } else if (user.length() > MAX_USER_LENGTH) {
        throw ApiException.invalid(
            "user", "user is longer than " + MAX_USER_LENGTH + " characters");
      }
    }
    return new GenerationParams(
        maxTokens, temperature, topP, stop, seed, stream, includeUsage, user);
  }

  /** Fields whose other values would change the output in ways this server does not implement. */
  private static void rejectUnsupported(ObjectNode body, boolean chat) {
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
      throw ApiException.invalid("n", "only n = 1 is supported, got " + n);
    }
    for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
      double p = number(body, penalty, 0.0, -2.0, 2.0);
      if (p != 0.0) {
        throw ApiException.invalid(penalty, penalty + " is not supported (only 0), got " + p);
      }
    }
    JsonNode lp = body.get("logprobs");
    if (lp != null && !lp.isNull() && !(lp.isBoolean() && !lp.asBoolean())) {
      throw ApiException.invalid("logprobs", "logprobs are not supported");
    }
    JsonNode lb = body.get("logit_bias");
    if (lb != null && !lb.isNull() && !(lb.isObject() && lb.isEmpty())) {
      throw ApiException.invalid("logit_bias", "logit_bias is not supported");
    }
    if (chat) {
      for (String f : List.of("tools", "functions", "tool_choice", "function_call")) {
        JsonNode t = body.get(f);
        if (t != null && !t.isNull() && !(t.isArray() && t.isEmpty())) {
          if (!(f.equals("tool_choice") && t.isTextual() && t.asText().equals("none"))) {
            throw ApiException.invalid(f, f + " (tool calling) is not supported");
          }
        }
      }
      JsonNode rf = body.get("response_format");
      if (rf != null && !rf.isNull() && !"text".equals(rf.path("type").asText())) {
        throw ApiException.invalid(
            "response_format", "only response_format type text is supported");
      }
    } else {
      JsonNode bo = body.get("best_of");
      if (bo != null && !bo.isNull() && !(bo.isIntegralNumber() && bo.asInt() == 1)) {
        throw ApiException.invalid("best_of", "only best_of = 1 is supported, got " + bo);
      }
      if (bool(body, "echo")) {
        throw ApiException.invalid("echo", "echo is not supported");
      }
      JsonNode sf = body.get("suffix");
      if (sf != null && !sf.isNull() && !sf.asText().isEmpty()) {
        throw ApiException.invalid("suffix", "suffix (insertion) is not supported");
      }
    }
  }

  static double number(ObjectNode body, String field, double dflt, double min, double max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw ApiException.invalid(field, field + " must be a number, got " + v.toString());
    }
    double d = v.asDouble();
    if (!(d >= min && d <= max)) {
      throw ApiException.invalid(
          field, field + " must be between " + min + " and " + max + ", got " + v.toString());
    }
    return d;
  }

  static boolean bool(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiException.invalid(field, field + " must be a boolean, got " + v.toString());
    }
    return v.asBoolean();
  }
}
