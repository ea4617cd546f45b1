/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import io.helidon.webserver.http.ServerRequest;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.UserAdapters;
import io.persona4j.serve.openai.ApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * What every endpoint shares: the served model's name, the adapter source and cache, the keys, the
 * limits and the metrics.
 *
 * @param keys the API keys, or null for an open server (every request acts as a service)
 * @param maxPromptTokens longest prompt accepted (after templating and tokenizing)
 * @param maxTokens largest {@code max_tokens} accepted
 * @param maxBodyBytes largest request body accepted
 * @param maxUploadBytes largest body of an adapter upload ({@code POST /admin/adapters})
 * @param loadTimeout how long a request waits for its adapter to load
 */
public record ServerContext(
    String modelId,
    long created,
    String fingerprint,
    ApiKeys keys,
    UserAdapters source,
    AdapterCache cache,
    ServeMetrics metrics,
    int maxPromptTokens,
    int maxTokens,
    int maxBodyBytes,
    int maxUploadBytes,
    Duration loadTimeout) {
  static final ApiKeys.Principal OPEN =
      new ApiKeys.Principal("anonymous", ApiKeys.Role.SERVICE, null);

  /**
   * Who sends the request.
   *
   * @throws ApiException 401 for a missing or wrong key
   */
  ApiKeys.Principal authenticate(ServerRequest req) {
    if (keys == null) {
      return OPEN;
    }
    Optional<String> key = HttpSupport.bearer(req);
    if (key.isEmpty()) {
      throw ApiException.unauthorized(
          "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.");
    }
    return keys.authenticate(key.get())
        .orElseThrow(() -> ApiException.unauthorized("Incorrect API key provided."));
  }

  /**
   * The user a request acts for: the {@code user} field, or a user-bound key's own user.
   *
   * @throws ApiException 403 if a user-bound key asks for another user
   */
  String effectiveUser(ApiKeys.Principal p, String requested) {
    if (!p.mayActAs(requested)) {
      throw ApiException.forbidden(
          "user",
          "this API key is bound to user '"
              + p.user()
              + "' and cannot act for user '"
              + requested
              + "'");
    }
    return requested != null ? requested : p.user();
  }

  /**
   * @throws ApiException 404 unless {@code model} names the served model
   */
  void checkModel(String model) {
    if (!modelId.equals(model)) {
      throw ApiException.notFound(
          "model",
          "The model '" + model + "' does not exist; this server serves '" + modelId + "'",
          "model_not_found");
    }
  }

  /** The user's active adapter, if any (500 if the store cannot be read). */
  Optional<AdapterRef> activeAdapter(String user) {
    if (user == null) {
      return Optional.empty();
    }
    try {
      return source.active(user);
    } catch (IOException e) {
      throw ApiException.server("the adapter store cannot be read: " + e.getMessage());
    }
  }
}
