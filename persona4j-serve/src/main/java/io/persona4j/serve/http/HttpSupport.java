/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.persona4j.serve.openai.ApiException;
import io.persona4j.serve.openai.OpenAiJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Reading JSON requests and writing JSON responses and OpenAI errors. */
final class HttpSupport {
  static final String JSON_TYPE = "application/json";

  private HttpSupport() {}

  /**
   * The request body as a JSON object.
   *
   * @throws ApiException 400 for a body that is not a JSON object, 413 for one over {@code max}
   */
  static ObjectNode readJson(ServerRequest req, int max) {
    byte[] bytes;
    try (InputStream in = req.content().inputStream()) {
      bytes = in.readNBytes(max + 1);
    } catch (IOException | RuntimeException e) {
      throw ApiException.invalid(null, "could not read the request body: " + e.getMessage());
    }
    if (bytes.length > max) {
      throw new ApiException(
          413, "invalid_request_error", "the request body exceeds " + max + " bytes", null, null);
    }
    JsonNode n;
    try {
      n = OpenAiJson.JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw ApiException.invalid(
          null,
          "We could not parse the JSON body of your request: "
              + e.getOriginalMessage()
              + ". (HINT: send valid JSON with Content-Type: application/json.)");
    } catch (IOException e) {
      throw ApiException.invalid(null, "could not read the request body: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw ApiException.invalid(
          null,
          "the request body must be a JSON object, got "
              + (n == null ? "nothing" : n.getNodeType()));
    }
    return (ObjectNode) n;
  }

  static void json(ServerResponse res, int status, JsonNode body) {
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, JSON_TYPE);
    res.send(body.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void error(ServerResponse res, ApiException e) {
    if (e.retryAfterSeconds() > 0) {
      res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
    }
    json(res, e.status(), e.toJson());
  }

  /** The bearer token of the Authorization header (or an {@code api-key} header), if any. */
  static Optional<String> bearer(ServerRequest req) {
    Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION);
    if (auth.isPresent()) {
      String a = auth.get().strip();
      if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return Optional.of(a.substring(7).strip());
      }
      return Optional.of(""); // present but not a bearer token: invalid
    }
    return req.headers().first(HeaderNames.create("api-key"));
  }
}
