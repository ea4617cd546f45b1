/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.generate;

import java.util.List;

/**
 * OpenAI's {@code stop}: generated text is cut before the first occurrence of any stop string,
 * which is not returned. While streaming, text that might be the start of a stop string is held
 * back until it is known not to be one, so a client never sees part of a stop string. Not
 * thread-safe.
 */
final class StopStrings {
  private final List<String> stops;
  private final StringBuilder pending = new StringBuilder();
  private boolean matched;

  StopStrings(List<String> stops) {
    this.stops = List.copyOf(stops);
  }

  /** Adds generated text; returns the text that may be emitted now (maybe empty). */
  String accept(String piece) {
    if (matched) {
      return "";
    }
    pending.append(piece);
    if (stops.isEmpty()) {
      String out = pending.toString();
      pending.setLength(0);
      return out;
    }
    int cut = -1;
    for (String s : stops) {
      int i = pending.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) {
        cut = i;
      }
    }
    if (cut >= 0) {
      matched = true;
      String out = pending.substring(0, cut);
      pending.setLength(0);
      return out;
    }
    int hold = 0;
    for (String s : stops) {
      for (int k = Math.min(s.length() - 1, pending.length()); k > hold; k--) {
        if (pending.length() >= k
            && pending.substring(pending.length() - k).equals(s.substring(0, k))) {
          hold = k;
          break;
        }
      }
    }
    String out = pending.substring(0, pending.length() - hold);
    pending.delete(0, pending.length() - hold);
    return out;
  }

  /** Whether a stop string was found (generation should end, with finish reason "stop"). */
  boolean matched() {
    return matched;
  }

  /** The held-back text at the end of generation (none if a stop string matched). */
  String flush() {
    String out = matched ? "" : pending.toString();
    pending.setLength(0);
    return out;
  }
}
