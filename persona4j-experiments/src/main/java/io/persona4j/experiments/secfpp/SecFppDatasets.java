/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import io.persona4j.rec.data.CsvLine;
import io.persona4j.rec.data.Dirichlet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The experiment's client data: Amazon fine-food reviews with Dirichlet label skew, and MovieLens
 * users whose classes are their own ratings of movie texts.
 */
public final class SecFppDatasets {
  /** Class names of the review setting, in label order. */
  public static final List<String> REVIEW_CLASSES = List.of("other", "great");

  /** Class names of the MovieLens setting. */
  public static final List<String> MOVIE_CLASSES = List.of("rated < 4", "rated >= 4");

  private SecFppDatasets() {}

  /** Reviews of one CSV file ({@code product,review,score}) grouped by label. */
  static List<List<String>> reviewsByLabel(Path file) throws IOException {
    List<List<String>> by = new ArrayList<>();
    REVIEW_CLASSES.forEach(c -> by.add(new ArrayList<>()));
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty()
        || !CsvLine.parse(lines.get(0)).equals(List.of("product", "review", "score"))) {
      throw new IOException(file + ": line 1 must be the header product,review,score");
    }
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
      if (f.size() != 3) {
        throw new IOException(
            file + ": line " + (i + 1) + " has " + f.size() + " fields, expected 3");
      }
      int label = REVIEW_CLASSES.indexOf(f.get(2));
      if (label < 0) {
        throw new IOException(
            file
                + ": line "
                + (i + 1)
                + ", column 3: score '"
                + f.get(2)
                + "' is not one of "
                + REVIEW_CLASSES);
      }
      by.get(label).add(f.get(1).replace("<br />", " "));
    }
    return by;
  }

  /**
   * Amazon reviews over {@code preset.clients()} clients: client i's label proportions are drawn
   * from Dirichlet(alpha), and its train and test examples are drawn with those proportions
   * (without replacement) from train.csv and test.csv.
   */
  public static List<ClientData> amazon(Path dir, SecFppPreset preset, double alpha, long seed)
      throws IOException {
    List<List<String>> train = reviewsByLabel(dir.resolve("train.csv"));
    List<List<String>> test = reviewsByLabel(dir.resolve("test.csv"));
    SplittableRandom rng = new SplittableRandom(seed * 7_919 + Math.round(alpha * 1000));
    List<List<String>> trainPool = shuffled(train, rng);
    List<List<String>> testPool = shuffled(test, rng);
    List<ClientData> out = new ArrayList<>();
    List<double[]> mixes = new ArrayList<>();
    for (int c = 0; c < preset.clients(); c++) {
      double[] p = Dirichlet.symmetric(rng, alpha, REVIEW_CLASSES.size());
      mixes.add(p);
      List<String> trT = new ArrayList<>();
      List<Integer> trL = new ArrayList<>();
      List<String> teT = new ArrayList<>();
      List<Integer> teL = new ArrayList<>();
      draw(trainPool, p, preset.trainPerClient(), rng, trT, trL);
      draw(testPool, p, preset.testPerClient(), rng, teT, teL);
      out.add(new ClientData(trT, trL, teT, teL));
    }
    return withValidation(
        out, trainPool, test, mixes, preset, new SplittableRandom(seed * 7_919 + 0x5A11D));
  }

  /**
   * Adds a validation split to each client: {@code preset.validPerClient()} examples drawn with the
   * client's label mix from what the clients left of the training pools, skipping any text that is
   * also a test text of the data set or a training text of the federation (the CSV files hold a few
   * duplicate reviews). Uses its own random stream, so the training and test draws do not depend on
   * whether a validation split is asked for.
   */
  private static List<ClientData> withValidation(
      List<ClientData> clients,
      List<List<String>> leftTrainPools,
      List<List<String>> allTest,
      List<double[]> mixes,
      SecFppPreset preset,
      SplittableRandom rng) {
    if (preset.validPerClient() == 0) {
      return clients;
    }
    Set<String> taken = new HashSet<>();
    allTest.forEach(taken::addAll);
    clients.forEach(c -> taken.addAll(c.trainTexts()));
    List<List<String>> pools = new ArrayList<>();
    for (List<String> l : leftTrainPools) {
      List<String> kept = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (String t : l) {
        if (!taken.contains(t) && seen.add(t)) {
          kept.add(t);
        }
      }
      pools.add(kept);
    }
    List<ClientData> out = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      List<String> t = new ArrayList<>();
      List<Integer> l = new ArrayList<>();
      draw(pools, mixes.get(c), preset.validPerClient(), rng, t, l);
      out.add(clients.get(c).withValidation(t, l));
    }
    return out;
  }

  private static List<List<String>> shuffled(List<List<String>> by, SplittableRandom rng) {
    List<List<String>> out = new ArrayList<>();
    for (List<String> l : by) {
      List<String> c = new ArrayList<>(l);
      for (int i = c.size() - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        String t = c.get(i);
        c.set(i, c.get(j));
        c.set(j, t);
      }
      out.add(c);
    }
    return out;
  }

  private static void draw(
      List<List<String>> pools,
      double[] p,
      int n,
      SplittableRandom rng,
      List<String> texts,
      List<Integer> labels) {
    for (int i = 0; i < n; i++) {
      double u = rng.nextDouble();
      int label = 0;
      double acc = p[0];
      while (u >= acc && label < p.length - 1) {
        label++;
        acc += p[label];
      }
      if (pools.get(label).isEmpty()) {
        label = 1 - label; // this label ran out: take the other
      }
      List<String> pool = pools.get(label);
      if (pool.isEmpty()) {
        throw new IllegalStateException("the review pools ran out of examples");
      }
      texts.add(pool.remove(pool.size() - 1));
      labels.add(label);
    }
  }

  /**
   * MovieLens latest-small: {@code preset.clients()} users with at least {@code train + test}
   * ratings (seeded choice); each example is a movie's "title. genres" text, labelled by whether
   * that user rated it 4 or more; the user's ratings are split at random into train, test and
   * validation (a user rates a movie once, so the three are disjoint).
   */
  public static List<ClientData> movielens(Path dir, SecFppPreset preset, long seed)
      throws IOException {
    return movielens(dir, preset, preset.clients(), seed);
  }

  /**
   * Two domains in one federation: the first {@code preset.clients() / 2} clients hold Amazon
   * reviews drawn without label skew (each example's class as it comes in the pool, about 65%
   * "great"), the others are MovieLens users classifying their own likes; both tasks have two
   * classes. {@link #domainOf} gives the known domain of client {@code i}.
   */
  public static List<ClientData> domains(
      Path reviews, Path movielens, SecFppPreset preset, long seed) throws IOException {
    int half = preset.clients() / 2;
    List<List<String>> train = reviewsByLabel(reviews.resolve("train.csv"));
    List<List<String>> test = reviewsByLabel(reviews.resolve("test.csv"));
    SplittableRandom rng = new SplittableRandom(seed * 6_151 + 3);
    List<List<String>> trainPool = shuffled(train, rng);
    List<List<String>> testPool = shuffled(test, rng);
    double[] trainShare = shares(trainPool);
    double[] testShare = shares(testPool);
    List<ClientData> out = new ArrayList<>();
    for (int c = 0; c < half; c++) {
      List<String> trT = new ArrayList<>();
      List<Integer> trL = new ArrayList<>();
      List<String> teT = new ArrayList<>();
      List<Integer> teL = new ArrayList<>();
      draw(trainPool, trainShare, preset.trainPerClient(), rng, trT, trL);
      draw(testPool, testShare, preset.testPerClient(), rng, teT, teL);
      out.add(new ClientData(trT, trL, teT, teL));
    }
    List<ClientData> all =
        new ArrayList<>(
            withValidation(
                out,
                trainPool,
                test,
                Collections.nCopies(half, trainShare),
                preset,
                new SplittableRandom(seed * 6_151 + 0x5A11D)));
    all.addAll(movielens(movielens, preset, preset.clients() - half, seed));
    return all;
  }

  /** The known domain (0 reviews, 1 MovieLens) of client {@code i} of {@link #domains}. */
  public static int domainOf(int i, SecFppPreset preset) {
    return i < preset.clients() / 2 ? 0 : 1;
  }

  private static double[] shares(List<List<String>> pools) {
    double total = pools.stream().mapToInt(List::size).sum();
    double[] p = new double[pools.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = pools.get(i).size() / total;
    }
    return p;
  }

  private static List<ClientData> movielens(Path dir, SecFppPreset preset, int clients, long seed)
      throws IOException {
    Map<Long, String> movies = new HashMap<>();
    List<String> ml = Files.readAllLines(dir.resolve("movies.csv"), StandardCharsets.UTF_8);
    for (int i = 1; i < ml.size(); i++) {
      List<String> f = CsvLine.parse(ml.get(i));
      if (f.size() != 3) {
        throw new IOException(
            dir.resolve("movies.csv") + ": line " + (i + 1) + " has " + f.size() + " fields");
      }
      movies.put(Long.parseLong(f.get(0)), f.get(1) + ". " + f.get(2).replace('|', ' '));
    }
    Map<Long, List<long[]>> byUser = new TreeMap<>(); // movieId, rating*2
    List<String> rl = Files.readAllLines(dir.resolve("ratings.csv"), StandardCharsets.UTF_8);
    for (int i = 1; i < rl.size(); i++) {
      String[] f = rl.get(i).split(",");
      if (f.length < 3) {
        throw new IOException(
            dir.resolve("ratings.csv") + ": line " + (i + 1) + " has " + f.length + " fields");
      }
      byUser
          .computeIfAbsent(Long.parseLong(f[0]), k -> new ArrayList<>())
          .add(new long[] {Long.parseLong(f[1]), Math.round(Double.parseDouble(f[2]) * 2)});
    }
    int need = preset.trainPerClient() + preset.testPerClient() + preset.validPerClient();
    List<Long> eligible = new ArrayList<>();
    byUser.forEach(
        (u, r) -> {
          if (r.size() >= need) {
            eligible.add(u);
          }
        });
    SplittableRandom rng = new SplittableRandom(seed * 104_729 + 17);
    for (int i = eligible.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      Long t = eligible.get(i);
      eligible.set(i, eligible.get(j));
      eligible.set(j, t);
    }
    if (eligible.size() < clients) {
      throw new IOException(dir + ": only " + eligible.size() + " users have " + need + " ratings");
    }
    Map<Integer, ClientData> out = new LinkedHashMap<>();
    for (int c = 0; c < clients; c++) {
      List<long[]> r = new ArrayList<>(byUser.get(eligible.get(c)));
      for (int i = r.size() - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        long[] t = r.get(i);
        r.set(i, r.get(j));
        r.set(j, t);
      }
      List<String> trT = new ArrayList<>();
      List<Integer> trL = new ArrayList<>();
      List<String> teT = new ArrayList<>();
      List<Integer> teL = new ArrayList<>();
      List<String> vaT = new ArrayList<>();
      List<Integer> vaL = new ArrayList<>();
      int trainEnd = preset.trainPerClient();
      int testEnd = trainEnd + preset.testPerClient();
      for (int i = 0; i < need; i++) {
        String text = movies.get(r.get(i)[0]);
        if (text == null) {
          throw new IOException(
              dir.resolve("ratings.csv") + ": movie " + r.get(i)[0] + " is not in movies.csv");
        }
        int label = r.get(i)[1] >= 8 ? 1 : 0;
        if (i < trainEnd) {
          trT.add(text);
          trL.add(label);
        } else if (i < testEnd) {
          teT.add(text);
          teL.add(label);
        } else {
          vaT.add(text);
          vaL.add(label);
        }
      }
      out.put(c, new ClientData(trT, trL, vaT, vaL, teT, teL));
    }
    return new ArrayList<>(out.values());
  }
}
