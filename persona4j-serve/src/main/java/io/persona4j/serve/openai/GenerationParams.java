/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.openai;

import java.util.List;

/**
 * The sampling fields of a completion or chat request, validated as OpenAI defines them.
 *
 * @param maxTokens new tokens at most, or null for the endpoint's default
 * @param temperature 0 (greedy) to 2; OpenAI's default is 1
 * @param topP nucleus mass in (0, 1]
 * @param stop up to 4 strings; generation stops before the first one, which is not returned
 * @param seed sampling seed, or null for a random one
 * @param stream server-sent events instead of one JSON response
 * @param includeUsage with {@code stream}: a last chunk with the token usage
 * @param user the end user, whose active adapter serves the request (null: the base model)
 */
public record GenerationParams(
    Integer maxTokens,
    float temperature,
    float topP,
    List<String> stop,
    Long seed,
    boolean stream,
    boolean includeUsage,
    String user) {
  public GenerationParams {
    stop = List.copyOf(stop);
  }
}
