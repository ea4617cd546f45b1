/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of generated token ids into text as it grows, emitting only complete characters.
 *
 * <p>Each {@link #push} decodes the ids so far and returns what the decoded text gained since the
 * last call, so spacing rules of the tokenizer's decoder (byte-level {@code 'Ġ'}, SentencePiece
 * {@code '▁'}, WordPiece {@code ##} and punctuation clean-up) come out exactly as in {@link
 * Tokenizer#decode}. While the text ends in U+FFFD (a multi-byte character whose bytes have not all
 * arrived, e.g. an emoji spread over several byte tokens) those trailing replacement characters are
 * held back. The concatenation of all pushes and a final {@link #flush} equals {@code
 * decode(allIds)}. Ids that decoding drops (special tokens when skipping them, ids outside the
 * vocabulary) give empty text.
 *
 * <p>To stay linear in the length of the stream the ids are decoded from a window that starts at
 * the last point where the text was complete (one step back, so the decoder sees the preceding
 * token as context), not from the first id. Not thread-safe: use one decoder per stream.
 */
public final class StreamingDecoder {
  private static final char REPLACEMENT = '\uFFFD';

  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private long[] ids = new long[16];
  private int size;
  private int prefixStart; // window start: tokens before this are not decoded again
  private int readStart; // tokens before this were completely emitted
  private String prefixText = ""; // decode(ids[prefixStart, readStart))
  private int pending; // chars of the text after prefixText emitted ahead of a held-back U+FFFD

  StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /**
   * Adds one generated id.
   *
   * @return the text it completes; empty while a character is still incomplete
   */
  public String push(long id) {
    if ((skipSpecialTokens && tokenizer.isSpecial(id)) || tokenizer.token(id).isEmpty()) {
      // Decoding would drop it anyway; keeping it out of the window keeps the context token.
      return "";
    }
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = id;
    String tail = tail();
    int end = tail.length();
    while (end > 0 && tail.charAt(end - 1) == REPLACEMENT) {
      end--;
    }
    String out = end > pending ? tail.substring(pending, end) : "";
    if (end == tail.length()) {
      prefixStart = readStart;
      readStart = size;
      prefixText = decode(prefixStart, readStart);
      pending = 0;
    } else {
      pending = Math.max(pending, end);
    }
    return out;
  }

  /**
   * Ends the stream: returns the held-back text, including trailing U+FFFD for bytes that never
   * formed a character, and starts over with an empty stream.
   */
  public String flush() {
    String tail = tail();
    String out = tail.length() > pending ? tail.substring(pending) : "";
    size = 0;
    prefixStart = 0;
    readStart = 0;
    prefixText = "";
    pending = 0;
    return out;
  }

  /** The text after {@code prefixText} in the decoded window. */
  private String tail() {
    String text = decode(prefixStart, size);
    // Decoders are prefix-stable at complete-text boundaries; if one is not, keep the length.
    return text.length() > prefixText.length() ? text.substring(prefixText.length()) : "";
  }

  private String decode(int from, int to) {
    return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
  }
}
