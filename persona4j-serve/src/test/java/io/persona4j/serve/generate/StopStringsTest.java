/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI's stop sequences over streamed pieces: cut before the first match, never leak a part. */
class StopStringsTest {
  /** Feeds the pieces; returns what a client would have seen, and whether a stop matched. */
  static String feed(List<String> stops, String... pieces) {
    StopStrings s = new StopStrings(stops);
    StringBuilder out = new StringBuilder();
    for (String p : pieces) {
      String o = s.accept(p);
      out.append(o);
      // Nothing emitted so far may end in a proper prefix of a stop string that is still open.
      if (!s.matched()) {
        for (String stop : stops) {
          assertThat(out.toString()).doesNotContain(stop);
        }
      }
    }
    out.append(s.flush());
    return out + (s.matched() ? "|stopped" : "|ended");
  }

  @Test
  void cutsBeforeAStopSplitOverPieces() {
    assertThat(feed(List.of("END"), "Hello E", "N", "D and more")).isEqualTo("Hello |stopped");
    assertThat(feed(List.of("\n"), "one", " two\nthree")).isEqualTo("one two|stopped");
  }

  @Test
  void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
    StopStrings s = new StopStrings(List.of("END"));
    assertThat(s.accept("Hello E")).isEqualTo("Hello ");
    assertThat(s.accept("N")).isEmpty();
    assertThat(s.accept("ter")).isEqualTo("ENter");
    assertThat(feed(List.of("END"), "a EN")).isEqualTo("a EN|ended");
  }

  @Test
  void theEarliestOfSeveralStopsWins() {
    assertThat(feed(List.of("cd", "b"), "abcd")).isEqualTo("a|stopped");
    assertThat(feed(List.of("xyz", "yq"), "wxy", "q")).isEqualTo("wx|stopped");
  }

  @Test
  void withoutStopsEverythingPassesAtOnce() {
    StopStrings s = new StopStrings(List.of());
    assertThat(s.accept("abc")).isEqualTo("abc");
    assertThat(s.flush()).isEmpty();
  }
}
