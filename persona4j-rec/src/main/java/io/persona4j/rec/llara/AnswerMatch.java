/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a generated answer is judged, as LLaRA's {@code calculate_hr1}: the output's first line,
 * stripped, is searched for every candidate title as a substring; the prediction is valid when
 * exactly one candidate occurs, and correct when that one is the target.
 *
 * <p>LLaRA's code lower-cases output and titles before matching (case-insensitive), the default
 * here; {@code caseSensitive} matches exactly instead. Titles are compared stripped too. Two
 * candidates with the same (lower-cased) title both match, so the prediction is invalid.
 *
 * @param output the text judged (first line, stripped)
 * @param matched the candidate titles found in it, in candidate order
 * @param valid exactly one candidate found
 * @param correct valid and that candidate is the target
 */
public record AnswerMatch(String output, List<String> matched, boolean valid, boolean correct) {
  public AnswerMatch {
    matched = List.copyOf(matched);
  }

  /**
   * Judges {@code generated} against the candidate titles.
   *
   * @param generated the decoded model output (may hold several lines; the first counts)
   * @param candidates the candidates' titles
   * @param target the target's title
   */
  public static AnswerMatch judge(
      String generated, List<String> candidates, String target, boolean caseSensitive) {
    String line = generated.strip();
    int nl = line.indexOf('\n');
    if (nl >= 0) {
      line = line.substring(0, nl);
    }
    line = line.strip();
    String haystack = normalize(line, caseSensitive);
    List<String> found = new ArrayList<>();
    List<String> foundNormalized = new ArrayList<>();
    for (String c : candidates) {
      String n = normalize(c, caseSensitive);
      if (haystack.contains(n)) {
        found.add(c);
        foundNormalized.add(n);
      }
    }
    boolean valid = found.size() == 1;
    boolean correct = valid && foundNormalized.get(0).equals(normalize(target, caseSensitive));
    return new AnswerMatch(line, found, valid, correct);
  }

  private static String normalize(String s, boolean caseSensitive) {
    String t = s.strip();
    return caseSensitive ? t : t.toLowerCase(Locale.ROOT);
  }

  /** Counts of a list of judgements. */
  public static RecMetrics metrics(List<AnswerMatch> matches) {
    long valid = matches.stream().filter(AnswerMatch::valid).count();
    long correct = matches.stream().filter(AnswerMatch::correct).count();
    return new RecMetrics(matches.size(), valid, correct);
  }
}
