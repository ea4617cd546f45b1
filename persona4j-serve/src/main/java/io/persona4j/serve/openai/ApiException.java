/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered in OpenAI's format: HTTP status and {@code {"error": {"message", "type",
 * "param", "code"}}}, which the OpenAI SDKs turn into their typed errors (400 BadRequestError, 401
 * AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError, 429 RateLimitError, 5xx
 * InternalServerError).
 */
public final class ApiException extends RuntimeException {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int status;
  private final String type;
  private final String param;
  private final String code;
  private final int retryAfterSeconds;

  public ApiException(int status, String type, String message, String param, String code) {
    this(status, type, message, param, code, 0);
  }

  private ApiException(
      int status, String type, String message, String param, String code, int retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.retryAfterSeconds = retryAfter;
  }

  /** 400 for a request field: the message names the field and the value. */
  public static ApiException invalid(String param, String message) {
    return new ApiException(400, "invalid_request_error", message, param, null);
  }

  /** 400 with a code (e.g. {@code context_length_exceeded}). */
  public static ApiException invalid(String param, String message, String code) {
    return new ApiException(400, "invalid_request_error", message, param, code);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "invalid_request_error", message, null, "invalid_api_key");
  }

  public static ApiException forbidden(String param, String message) {
    return new ApiException(403, "permission_error", message, param, "permission_denied");
  }

  public static ApiException notFound(String param, String message, String code) {
    return new ApiException(404, "invalid_request_error", message, param, code);
  }

  /** 429 with a {@code Retry-After} header. */
  public static ApiException overloaded(String message, int retryAfterSeconds) {
    return new ApiException(
        429, "rate_limit_error", message, null, "rate_limit_exceeded", retryAfterSeconds);
  }

  public static ApiException server(String message) {
    return new ApiException(500, "server_error", message, null, null);
  }

  public static ApiException unavailable(String message, int retryAfterSeconds) {
    return new ApiException(503, "server_error", message, null, null, retryAfterSeconds);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  /** Seconds for a {@code Retry-After} header, 0 for none. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The error object OpenAI answers: {@code {"error": {...}}}. */
  public ObjectNode toJson() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("message", getMessage());
    e.put("type", type);
    if (param == null) {
      e.putNull("param");
    } else {
      e.put("param", param);
    }
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    return root;
  }
}
