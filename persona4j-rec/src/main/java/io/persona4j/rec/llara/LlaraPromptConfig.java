/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.Objects;

/**
 * How LLaRA prompts are written and tokenized.
 *
 * <p>The template holds {@code [HistoryHere]} exactly once and {@code [CansHere]} at most once,
 * where the rendered history and candidates go (a template without {@code [CansHere]} is an open
 * prompt as BIGRec's, which shows no candidates), and optionally {@code [CansCount]}, replaced by
 * the number of candidates. An item renders as its title; in {@link PromptMode#HYBRID} mode the
 * title is followed by a space and the placeholder token ({@code historyToken} in the history,
 * {@code candidateToken} among the candidates; both may be the same token); in {@link
 * PromptMode#TEXT} mode by a space and {@code textItemSuffix} if that is set (LLaRA's code writes
 * {@code [PH]} there, a special token whose own embedding is used; the paper writes the title
 * alone, the default).
 *
 * @param template the instruction, ending where the answer starts (LLaRA: {@code "... Answer:"})
 * @param historyToken placeholder after each history title in hybrid mode (LLaRA: [HistoryEmb])
 * @param candidateToken placeholder after each candidate title in hybrid mode (LLaRA: [CansEmb])
 * @param textItemSuffix token after each title in text mode, or null for none (the default)
 * @param separator between rendered items (LLaRA: {@code ", "})
 * @param maxLength the longest token sequence: prompt plus answer for training, prompt plus the
 *     reserved room for evaluation; the history is truncated from its oldest items to fit
 * @param appendEos whether the answer ends with the tokenizer's EOS token
 */
public record LlaraPromptConfig(
    String template,
    String historyToken,
    String candidateToken,
    String textItemSuffix,
    String separator,
    int maxLength,
    boolean appendEos) {
  /** Where the history goes in a template. */
  public static final String HISTORY_MARK = "[HistoryHere]";

  /** Where the candidates go in a template. */
  public static final String CANDIDATES_MARK = "[CansHere]";

  /** Replaced by the number of candidates. */
  public static final String COUNT_MARK = "[CansCount]";

  /** LLaRA's MovieLens instruction, with the number of candidates filled in. */
  public static final String MOVIE_TEMPLATE =
      "This user has watched [HistoryHere] in the previous. Please predict the next movie this user"
          + " will watch. Choose the answer from the following [CansCount] movie titles:"
          + " [CansHere]. Answer:";

  /** LLaRA's placeholder token names. */
  public static final String HISTORY_TOKEN = "[HistoryEmb]";

  public static final String CANDIDATE_TOKEN = "[CansEmb]";

  /** The token LLaRA's code writes after titles in text-only prompts. */
  public static final String TEXT_PLACEHOLDER = "[PH]";

  public LlaraPromptConfig {
    Objects.requireNonNull(template, "template");
    requireOnce(template, HISTORY_MARK);
    requireAtMostOnce(template, CANDIDATES_MARK);
    requireToken("historyToken", historyToken);
    requireToken("candidateToken", candidateToken);
    if (textItemSuffix != null) {
      requireToken("textItemSuffix", textItemSuffix);
    }
    if (separator == null || separator.isEmpty()) {
      throw new IllegalArgumentException("separator must not be empty, got '" + separator + "'");
    }
    if (maxLength < 4) {
      throw new IllegalArgumentException("maxLength must be >= 4, got " + maxLength);
    }
  }

  /** LLaRA's MovieLens prompt with its placeholder tokens, text-only items as plain titles, EOS. */
  public static LlaraPromptConfig movies(int maxLength) {
    return new LlaraPromptConfig(
        MOVIE_TEMPLATE, HISTORY_TOKEN, CANDIDATE_TOKEN, null, ", ", maxLength, true);
  }

  /** This config with another template. */
  public LlaraPromptConfig withTemplate(String t) {
    return new LlaraPromptConfig(
        t, historyToken, candidateToken, textItemSuffix, separator, maxLength, appendEos);
  }

  /** This config with another text-mode suffix token (null for plain titles). */
  public LlaraPromptConfig withTextItemSuffix(String suffix) {
    return new LlaraPromptConfig(
        template, historyToken, candidateToken, suffix, separator, maxLength, appendEos);
  }

  /** This config with one placeholder token for history and candidates alike. */
  public LlaraPromptConfig withPlaceholder(String token) {
    return new LlaraPromptConfig(
        template, token, token, textItemSuffix, separator, maxLength, appendEos);
  }

  /** This config with another maximum length. */
  public LlaraPromptConfig withMaxLength(int max) {
    return new LlaraPromptConfig(
        template, historyToken, candidateToken, textItemSuffix, separator, max, appendEos);
  }

  private static void requireOnce(String template, String mark) {
    int first = template.indexOf(mark);
    if (first < 0 || template.indexOf(mark, first + 1) >= 0) {
      throw new IllegalArgumentException(
          "template must contain " + mark + " exactly once: '" + template + "'");
    }
  }

  private static void requireAtMostOnce(String template, String mark) {
    int first = template.indexOf(mark);
    if (first >= 0 && template.indexOf(mark, first + 1) >= 0) {
      throw new IllegalArgumentException(
          "template must contain " + mark + " at most once: '" + template + "'");
    }
  }

  private static void requireToken(String field, String token) {
    if (token == null || token.isBlank() || !token.strip().equals(token)) {
      throw new IllegalArgumentException(
          field + " must be a non-blank token without surrounding spaces, got '" + token + "'");
    }
  }
}
