/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import io.persona4j.rec.data.CsvLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Task 2, in the manner of the authors' preference-alignment sets, on Amazon fine-food reviews: the
 * query asks for a review that starts with the reference review's first words; the private context
 * is a style preference ("Your answer should be as concise / verbose / positive / negative as
 * possible", appended to the query as the authors do). Achieved: at most 25 words (concise), at
 * least 35 (verbose), or the naive Bayes sentiment judge's label (positive, negative). ROUGE-L is
 * against the reference review, which has the preferred attribute.
 */
public final class ReviewTask {
  /** The style preferences. */
  public enum Preference {
    CONCISE("concise"),
    VERBOSE("verbose"),
    POSITIVE("positive"),
    NEGATIVE("negative");

    final String word;

    Preference(String word) {
      this.word = word;
    }

    /** The private context. */
    public String sentence() {
      return "Your answer should be as " + word + " as possible.";
    }
  }

  static final int SHORT_WORDS = 25;
  static final int LONG_WORDS = 60;
  static final int MAX_CORPUS_WORDS = 100;
  static final int VERBOSE_ACHIEVED = 35;
  static final int OPENING_WORDS = 4;

  /** A review: text and whether its score is "great". */
  record Review(String text, boolean great) {
    int words() {
      return TextMetrics.wordCount(text);
    }
  }

  /** A test point. */
  public record Example(String reference, Preference preference) {}

  private final NaiveBayes judge;
  private final double judgeAccuracy;
  private final List<Example> tests = new ArrayList<>();
  private final List<String> corpus = new ArrayList<>();

  private ReviewTask(NaiveBayes judge, double judgeAccuracy) {
    this.judge = judge;
    this.judgeAccuracy = judgeAccuracy;
  }

  /** Reads train.csv and test.csv, trains the judge, draws the corpus and the test points. */
  public static ReviewTask build(Path dir, SteerPreset preset, long seed) throws IOException {
    List<Review> train = read(dir.resolve("train.csv"));
    List<Review> test = read(dir.resolve("test.csv"));
    NaiveBayes judge =
        NaiveBayes.train(
            List.of("negative", "positive"),
            train.stream().map(Review::text).toList(),
            train.stream().map(r -> r.great() ? 1 : 0).toList());
    double acc =
        judge.accuracy(
            test.stream().map(Review::text).toList(),
            test.stream().map(r -> r.great() ? 1 : 0).toList());
    ReviewTask t = new ReviewTask(judge, acc);
    SplittableRandom rng = new SplittableRandom(seed);
    List<Review> pool =
        new ArrayList<>(
            train.stream()
                .filter(r -> r.words() <= MAX_CORPUS_WORDS && r.words() > OPENING_WORDS)
                .toList());
    MovieTask.shuffle(pool, rng);
    for (Review r : pool.subList(0, Math.min(preset.corpusReviews(), pool.size()))) {
      List<Preference> fits = fits(r);
      String query = query(r.text());
      t.corpus.add(
          !fits.isEmpty() && rng.nextBoolean()
              ? ChatFormat.document(
                  personalized(query, fits.get(rng.nextInt(fits.size()))), r.text())
              : ChatFormat.document(query, r.text()));
    }
    List<Review> testPool =
        new ArrayList<>(test.stream().filter(r -> r.words() > OPENING_WORDS).toList());
    MovieTask.shuffle(testPool, rng);
    for (Preference p : Preference.values()) {
      int n = 0;
      for (Review r : testPool) {
        if (n < preset.reviewEvalPerPreference() && fits(r).contains(p)) {
          t.tests.add(new Example(r.text(), p));
          n++;
        }
      }
    }
    return t;
  }

  /** The preferences a review satisfies. */
  static List<Preference> fits(Review r) {
    List<Preference> out = new ArrayList<>();
    if (r.words() <= SHORT_WORDS) {
      out.add(Preference.CONCISE);
    }
    if (r.words() >= LONG_WORDS) {
      out.add(Preference.VERBOSE);
    }
    out.add(r.great() ? Preference.POSITIVE : Preference.NEGATIVE);
    return out;
  }

  /** The query: a review of a food product starting with the reference's first words. */
  public static String query(String reference) {
    String[] w = reference.strip().split("\\s+");
    StringBuilder open = new StringBuilder();
    for (int i = 0; i < Math.min(OPENING_WORDS, w.length); i++) {
      open.append(i == 0 ? "" : " ").append(w[i]);
    }
    return "Write a review of a food product that starts with: " + open;
  }

  /** The query with the private preference, appended as the authors do. */
  public static String personalized(String query, Preference p) {
    return query + "\n" + p.sentence();
  }

  public String query(Example e) {
    return query(e.reference());
  }

  public String personalized(Example e) {
    return personalized(query(e), e.preference());
  }

  /** Metrics of a generated review. */
  public Map<String, Double> score(Example e, String answer) {
    Map<String, Double> m = new HashMap<>();
    int words = TextMetrics.wordCount(answer);
    boolean achieved =
        switch (e.preference()) {
          case CONCISE -> words <= SHORT_WORDS;
          case VERBOSE -> words >= VERBOSE_ACHIEVED;
          case POSITIVE -> judge.predict(answer) == 1;
          case NEGATIVE -> judge.predict(answer) == 0;
        };
    m.put("achieved", achieved ? 1.0 : 0.0);
    m.put("rougeL", TextMetrics.rougeL(answer, e.reference()));
    m.put("words", (double) words);
    return m;
  }

  public List<Example> tests() {
    return tests;
  }

  public List<String> corpus() {
    return corpus;
  }

  /** Test-set accuracy of the sentiment judge. */
  public double judgeAccuracy() {
    return judgeAccuracy;
  }

  static List<Review> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty()
        || !CsvLine.parse(lines.get(0)).equals(List.of("product", "review", "score"))) {
      throw new IOException(file + ": line 1 must be the header product,review,score");
    }
    List<Review> out = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      List<String> f;
      try {
        f = CsvLine.parse(lines.get(i));
      } catch (CsvLine.MalformedException e) {
        throw new IOException(
            file + ": line " + (i + 1) + ", column " + e.position() + ": " + e.getMessage(), e);
      }
      if (f.size() != 3 || !(f.get(2).equals("great") || f.get(2).equals("other"))) {
        throw new IOException(
            file + ": line " + (i + 1) + ": expected product,review,score with score great|other");
      }
      String text = f.get(1).replace("<br />", " ").replaceAll("\\s+", " ").strip();
      if (!text.isEmpty()) {
        out.add(new Review(text, f.get(2).equals("great")));
      }
    }
    return out;
  }
}
