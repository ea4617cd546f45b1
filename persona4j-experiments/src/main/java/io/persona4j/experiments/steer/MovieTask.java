/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import io.persona4j.rec.data.InteractionDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Task 1, in the manner of LongLaMP's context-conditioned generation, on MovieLens: the private
 * context is the user's 5 history items most relevant to their recent taste (title, genres, rating;
 * ranked by cosine similarity of all-MiniLM-L6-v2 embeddings to the mean embedding of the last 10
 * history items, as the authors retrieve top-5 records with a reranker), the query asks for the
 * next movie the user will like, the target is the user's last highly rated (>= 4) item.
 *
 * <p>The pre-training corpus holds earlier (history, next liked item) points of the same users, as
 * chat documents with the context (half of them) or without it, and one catalog line per popular
 * item. Test targets never appear as corpus answers of the same user.
 */
public final class MovieTask {
  /** The query, the same for every user: the cloud can only answer with the population's taste. */
  public static final String QUERY = "Recommend a movie I will like.";

  static final int CONTEXT_ITEMS = 5;
  static final int PROFILE_ITEMS = 10;
  static final int MIN_HISTORY = 5;
  static final float LIKED = 4.0f;
  static final int CANDIDATES = 20;

  /** Retrieval looks at this many most recent history items. */
  static final int RETRIEVAL_WINDOW = 50;

  /** A user's test point. */
  public record Example(int user, int[] history, float[] ratings, int target, int[] context) {}

  private final InteractionDataset data;
  private final float[][] itemEmbeddings; // by item index, null where not needed
  private final Map<String, Integer> byTitle = new HashMap<>();
  private final Map<String, Integer> vocabulary = new HashMap<>();
  private final int[][] titleWords;
  private final List<Example> tests = new ArrayList<>();
  private final List<String> corpus = new ArrayList<>();

  private MovieTask(InteractionDataset data, float[][] itemEmbeddings) {
    this.data = data;
    this.itemEmbeddings = itemEmbeddings;
    for (int i = 1; i <= data.numItems(); i++) {
      byTitle.putIfAbsent(TextMetrics.normalize(data.title(i)), i);
    }
    titleWords = new int[data.numItems() + 1][];
    titleWords[0] = new int[0];
    for (int i = 1; i <= data.numItems(); i++) {
      for (String w : TextMetrics.words(data.title(i))) {
        vocabulary.putIfAbsent(w, vocabulary.size());
      }
      titleWords[i] = TextMetrics.wordIds(data.title(i), vocabulary);
    }
  }

  /**
   * Loads MovieLens, embeds the items with MiniLM and builds the test points and the corpus: the
   * preset's {@code corpusUsers} (0: all) users' earlier points build the corpus; test users are
   * drawn from all users with a test point.
   *
   * @param seed draws the users and the corpus points
   */
  public static MovieTask build(Path dir, MiniLm retriever, SteerPreset preset, long seed)
      throws IOException {
    InteractionDataset data = InteractionDataset.load(dir);
    SplittableRandom rng = new SplittableRandom(seed);
    List<Integer> users = new ArrayList<>();
    for (int u = 0; u < data.numUsers(); u++) {
      users.add(u);
    }
    shuffle(users, rng);
    int corpusUsers =
        preset.corpusUsers() == 0 ? users.size() : Math.min(preset.corpusUsers(), users.size());
    // first the points (user, position), then the embeddings of the items their retrieval needs
    List<int[]> testPoints = new ArrayList<>();
    List<int[]> corpusPoints = new ArrayList<>();
    for (int u : users) {
      float[] r = data.ratings(u);
      int test = lastLiked(r, r.length);
      if (test < 0) {
        continue;
      }
      if (testPoints.size() < preset.movieEvalUsers()) {
        testPoints.add(new int[] {u, test});
      }
      if (corpusUsers-- > 0) {
        List<Integer> points = new ArrayList<>();
        for (int j = MIN_HISTORY; j < test; j++) {
          if (r[j] >= LIKED) {
            points.add(j);
          }
        }
        shuffle(points, rng);
        for (int j : points.subList(0, Math.min(preset.corpusExamplesPerUser(), points.size()))) {
          corpusPoints.add(new int[] {u, j});
        }
      }
    }
    Set<Integer> needed = new HashSet<>();
    for (List<int[]> pts : List.of(testPoints, corpusPoints)) {
      for (int[] p : pts) {
        int[] seq = data.sequence(p[0]);
        for (int k = Math.max(0, p[1] - RETRIEVAL_WINDOW); k < p[1]; k++) {
          needed.add(seq[k]);
        }
      }
    }
    MovieTask t = new MovieTask(data, embedItems(data, retriever, needed));
    for (int[] p : testPoints) {
      t.tests.add(t.example(p[0], p[1]));
    }
    for (int[] p : corpusPoints) {
      Example e = t.example(p[0], p[1]);
      String answer = data.title(e.target());
      t.corpus.add(
          rng.nextBoolean()
              ? ChatFormat.document(t.personalized(e), answer)
              : ChatFormat.document(QUERY, answer));
    }
    t.addCatalog();
    return t;
  }

  private static int lastLiked(float[] ratings, int n) {
    for (int j = n - 1; j >= MIN_HISTORY; j--) {
      if (ratings[j] >= LIKED) {
        return j;
      }
    }
    return -1;
  }

  private Example example(int user, int j) {
    int[] seq = data.sequence(user);
    float[] r = data.ratings(user);
    int[] history = Arrays.copyOf(seq, j);
    float[] hr = Arrays.copyOf(r, j);
    return new Example(user, history, hr, seq[j], retrieve(history));
  }

  private void addCatalog() {
    int[] count = new int[data.numItems() + 1];
    for (int u = 0; u < data.numUsers(); u++) {
      for (int i : data.sequence(u)) {
        count[i]++;
      }
    }
    for (int i = 1; i <= data.numItems(); i++) {
      if (count[i] >= 10) {
        corpus.add(data.title(i) + ": " + String.join(", ", data.genres(i)) + ".");
      }
    }
  }

  /**
   * Positions of the 5 items among the last 50 of the history most similar to the mean of the last
   * 10, most relevant first.
   */
  int[] retrieve(int[] history) {
    int from = Math.max(0, history.length - RETRIEVAL_WINDOW);
    int h = itemEmbeddings[history[history.length - 1]].length;
    float[] profile = new float[h];
    for (int k = Math.max(0, history.length - PROFILE_ITEMS); k < history.length; k++) {
      float[] e = itemEmbeddings[history[k]];
      for (int d = 0; d < h; d++) {
        profile[d] += e[d];
      }
    }
    int w = history.length - from;
    Integer[] order = new Integer[w];
    double[] score = new double[w];
    for (int k = 0; k < w; k++) {
      order[k] = k;
      float[] e = itemEmbeddings[history[from + k]];
      double s = 0;
      for (int d = 0; d < h; d++) {
        s += e[d] * profile[d];
      }
      score[k] = s;
    }
    Arrays.sort(
        order,
        (a, b) ->
            score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(b, a));
    int n = Math.min(CONTEXT_ITEMS, w);
    int[] out = new int[n];
    for (int k = 0; k < n; k++) {
      out[k] = from + order[k];
    }
    return out; // positions in the history
  }

  /** The private context: the retrieved items with genres and the user's ratings. */
  public String context(Example e) {
    return context(e, e.context().length);
  }

  /** The context with its {@code items} most relevant items only. */
  public String context(Example e, int items) {
    StringBuilder s = new StringBuilder("Here are movies I watched:\n");
    for (int k = 0; k < Math.min(items, e.context().length); k++) {
      int pos = e.context()[k];
      int item = e.history()[pos];
      s.append(k + 1)
          .append(". ")
          .append(data.title(item))
          .append(" (")
          .append(String.join(", ", data.genres(item)))
          .append("), rated ")
          .append(formatRating(e.ratings()[pos]))
          .append("/5\n");
    }
    return s.append("Now it's your turn.").toString();
  }

  /** The user message with the private context: the context, a blank line, the query. */
  public String personalized(Example e) {
    return personalized(e, e.context().length);
  }

  /** The user message with the {@code items} most relevant context items. */
  public String personalized(Example e, int items) {
    return context(e, items) + "\n\n" + QUERY;
  }

  /** Candidate items: the target and 19 items outside the history, in random order. */
  public int[] candidates(Example e, SplittableRandom rng) {
    Set<Integer> seen = new HashSet<>();
    for (int i : e.history()) {
      seen.add(i);
    }
    seen.add(e.target());
    List<Integer> out = new ArrayList<>();
    out.add(e.target());
    while (out.size() < CANDIDATES) {
      int i = 1 + rng.nextInt(data.numItems());
      if (seen.add(i)) {
        out.add(i);
      }
    }
    shuffle(out, rng);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Metrics of a generated answer against the example's target. */
  public Map<String, Double> score(Example e, String answer) {
    Map<String, Double> m = new HashMap<>();
    String target = data.title(e.target());
    Integer item = byTitle.get(TextMetrics.normalize(answer));
    int grounded = item != null ? item : ground(answer);
    m.put("exact", TextMetrics.normalize(answer).equals(TextMetrics.normalize(target)) ? 1.0 : 0.0);
    m.put("rougeL", TextMetrics.rougeL(answer, target));
    m.put("valid", item == null ? 0.0 : 1.0);
    m.put(
        "genreF1",
        grounded == 0 ? 0.0 : TextMetrics.setF1(data.genres(grounded), data.genres(e.target())));
    return m;
  }

  /**
   * The catalog item whose title is closest to {@code answer} by ROUGE-L (BIGRec's grounding of a
   * generated answer to an item, by words instead of embeddings), the lower index among equals; 0
   * when no title shares a word with it.
   */
  int ground(String answer) {
    int[] a = TextMetrics.wordIds(answer, vocabulary);
    if (a.length == 0) {
      return 0;
    }
    int best = 0;
    double bestScore = 0;
    for (int i = 1; i < titleWords.length; i++) {
      double r = TextMetrics.rougeL(a, titleWords[i]);
      if (r > bestScore) {
        bestScore = r;
        best = i;
      }
    }
    return best;
  }

  public String title(int item) {
    return data.title(item);
  }

  public List<Example> tests() {
    return tests;
  }

  public List<String> corpus() {
    return corpus;
  }

  public InteractionDataset data() {
    return data;
  }

  private static String formatRating(float r) {
    return r == Math.rint(r) ? Integer.toString((int) r) : String.format(Locale.ROOT, "%.1f", r);
  }

  private static float[][] embedItems(
      InteractionDataset data, MiniLm retriever, Set<Integer> items) {
    List<Integer> ids = new ArrayList<>(items);
    ids.sort(null);
    List<String> texts = new ArrayList<>();
    for (int i : ids) {
      texts.add(data.title(i) + ". " + String.join(", ", data.genres(i)));
    }
    float[][] e = retriever.embed(texts);
    float[][] out = new float[data.numItems() + 1][];
    for (int k = 0; k < ids.size(); k++) {
      out[ids.get(k)] = e[k];
    }
    return out;
  }

  /** Items embedded for retrieval. */
  public int embeddedItems() {
    int n = 0;
    for (float[] e : itemEmbeddings) {
      n += e == null ? 0 : 1;
    }
    return n;
  }

  static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }
}
