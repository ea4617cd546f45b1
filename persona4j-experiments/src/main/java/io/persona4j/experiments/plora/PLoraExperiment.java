/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.experiments.secfpp.TextEncoder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The PLoRA experiment on MovieLens (rating classification from {@code title | genres} per user):
 * learning rates chosen on group "a" validation rows, then for every task (10 and 5 classes), seed
 * and method, training on group "a" and scoring on group "a" test rows (trained users) and group
 * "b" test rows (new users, zero-shot); on the 10-class task PLoRA and the user-id embedding are
 * also enrolled few-shot (K examples of a new user's training rows, only the user's vector fitted)
 * and compared with task LoRA on the same rows. Writes {@code results.json}, {@code results.md} and
 * {@code fewshot.png} into the output directory after every run.
 */
public final class PLoraExperiment {
  private final PLoraPreset preset;
  private final BertModel bert;
  private final TextEncoder textEncoder;
  private final NDManager manager;
  private final PrintStream log;
  private PLoraRunner runner;

  public PLoraExperiment(
      PLoraPreset preset,
      BertModel bert,
      TextEncoder textEncoder,
      NDManager manager,
      PrintStream log) {
    this.preset = preset;
    this.bert = bert;
    this.textEncoder = textEncoder;
    this.manager = manager;
    this.log = log;
  }

  /** Runs everything on the MovieLens directory {@code movielens}; returns the results. */
  public PLoraResults run(Path movielens, Path out, String modelDescription) throws IOException {
    long start = System.nanoTime();
    Files.createDirectories(out);
    RatingData data =
        RatingData.load(movielens, preset.maxUsers(), preset.groupBFraction(), preset.splitSeed());
    Map<String, long[]> ids = new HashMap<>();
    List<RatingData.Row> aTrain = new ArrayList<>();
    List<RatingData.Row> aVal = new ArrayList<>();
    List<RatingData.Row> aTest = new ArrayList<>();
    List<RatingData.Row> bTest = new ArrayList<>();
    List<RatingData.UserRows> fewUsers = new ArrayList<>();
    List<RatingData.UserRows> selectUsers = new ArrayList<>();
    for (RatingData.UserRows u : data.groupA()) {
      aTrain.addAll(u.train());
      aVal.addAll(first(u.val()));
      aTest.addAll(first(u.test()));
    }
    for (RatingData.UserRows u : data.groupB()) {
      bTest.addAll(first(u.test()));
      if (preset.fewShotUsers() == 0 || fewUsers.size() < preset.fewShotUsers()) {
        fewUsers.add(u);
      } else if (selectUsers.size() < Math.max(4, preset.fewShotUsers() / 3)) {
        selectUsers.add(u);
      }
    }
    if (selectUsers.isEmpty()) {
      selectUsers.addAll(fewUsers.subList(0, Math.min(fewUsers.size(), 4)));
    }
    for (RatingData.UserRows u : concat(data.groupA(), data.groupB())) {
      for (List<RatingData.Row> part : List.of(u.train(), u.val(), u.test())) {
        for (RatingData.Row r : part) {
          ids.computeIfAbsent(r.text(), textEncoder::encode);
        }
      }
    }
    log.printf(
        Locale.ROOT,
        "data: %d users in group a (%d train, %d validation, %d test rows), %d in group b (%d test"
            + " rows; %d enrolled few-shot, %d for few-shot selection); %d distinct texts%n",
        data.groupA().size(),
        aTrain.size(),
        aVal.size(),
        aTest.size(),
        data.groupB().size(),
        bTest.size(),
        fewUsers.size(),
        selectUsers.size(),
        ids.size());
    long t0 = System.nanoTime();
    FrozenFeatures features = FrozenFeatures.compute(bert, ids, 64);
    log.printf(Locale.ROOT, "frozen features of %d texts in %.1f s%n", ids.size(), secs(t0));
    runner = new PLoraRunner(bert, preset, features, manager);
    PLoraResults results = new PLoraResults(preset, modelDescription, data);

    // Learning rates on group "a" validation rows (first seed, 10 classes, or the first task).
    int selectClasses = preset.classes().contains(10) ? 10 : preset.classes().get(0);
    long seed0 = preset.seeds().get(0);
    PLoraRunner.Data selTrain = PLoraRunner.data(aTrain, selectClasses, ids);
    PLoraRunner.Data selVal = PLoraRunner.data(aVal, selectClasses, ids);
    Map<PLoraMethod, double[]> lrs = new LinkedHashMap<>(); // {lr, user-table multiplier}
    for (PLoraMethod m :
        List.of(PLoraMethod.HEAD, PLoraMethod.USER_EMB, PLoraMethod.TASK_LORA, PLoraMethod.PLORA)) {
      if (!uses(m)) {
        continue;
      }
      List<Double> grid = m.finetunesEncoder() ? preset.loraLrs() : preset.headLrs();
      List<Double> mults = m == PLoraMethod.PLORA ? preset.tableLrMultipliers() : List.of(1.0);
      int steps = m.finetunesEncoder() ? preset.selectSteps() : preset.steps();
      double[] best = {grid.get(0), mults.get(0)};
      double bestAcc = -1;
      boolean single = grid.size() * mults.size() == 1;
      for (double lr : grid) {
        for (double mult : mults) {
          long t = System.nanoTime();
          double acc = Double.NaN;
          if (!single) {
            try (PLoraRunner.Trained tr =
                runner.train(m, selectClasses, selTrain, lr, mult, steps, seed0)) {
              acc = accuracy(selVal, tr.predict(selVal));
            }
          }
          results.addSelection(m, lr, mult, steps, acc);
          log.printf(
              Locale.ROOT,
              "select %-10s lr %-8s table x%-5s %d steps: validation accuracy %.4f (%.1f s)%n",
              m,
              lr,
              mult,
              steps,
              acc,
              secs(t));
          if (!Double.isNaN(acc) && acc > bestAcc) {
            bestAcc = acc;
            best = new double[] {lr, mult};
          }
        }
      }
      lrs.put(m, best);
    }
    lrs.put(PLoraMethod.PLORA_NO_PDROP, lrs.get(PLoraMethod.PLORA));
    lrs.put(PLoraMethod.PLORA_MI, lrs.get(PLoraMethod.PLORA));
    results.setLearningRates(lrs);
    results.write(out);

    // The main comparison first (every task's baselines and PLoRA, seed by seed), the ablations
    // after it: a run stopped early holds whole seeds of the main comparison.
    Map<PLoraMethod, Double> fewMultipliers = new LinkedHashMap<>();
    Map<Integer, PLoraRunner.Data[]> tasks = new LinkedHashMap<>();
    for (int classes : preset.classes()) {
      tasks.put(
          classes,
          new PLoraRunner.Data[] {
            PLoraRunner.data(aTrain, classes, ids),
            PLoraRunner.data(aTest, classes, ids),
            PLoraRunner.data(bTest, classes, ids)
          });
    }
    for (boolean ablations : new boolean[] {false, true}) {
      for (long seed : preset.seeds()) {
        for (int classes : preset.classes()) {
          for (PLoraMethod m : preset.methods(classes)) {
            if (m.isAblation() != ablations) {
              continue;
            }
            runMethod(
                m,
                classes,
                seed,
                tasks.get(classes),
                lrs,
                fewMultipliers,
                selectClasses,
                fewUsers,
                selectUsers,
                ids,
                results);
            results.write(out);
          }
        }
      }
    }
    results.setWallSeconds(secs(start));
    results.write(out);
    log.printf(Locale.ROOT, "done in %.1f min: %s%n", secs(start) / 60, out.resolve("results.md"));
    return results;
  }

  /** Trains {@code m} on one task and seed, scores it, and (PLoRA, user-id embedding) few-shot. */
  private void runMethod(
      PLoraMethod m,
      int classes,
      long seed,
      PLoraRunner.Data[] task,
      Map<PLoraMethod, double[]> lrs,
      Map<PLoraMethod, Double> fewMultipliers,
      int selectClasses,
      List<RatingData.UserRows> fewUsers,
      List<RatingData.UserRows> selectUsers,
      Map<String, long[]> ids,
      PLoraResults results) {
    PLoraRunner.Data train = task[0];
    PLoraRunner.Data testA = task[1];
    PLoraRunner.Data testB = task[2];
    double lr = lrs.get(m)[0];
    long t = System.nanoTime();
    try (PLoraRunner.Trained tr =
        runner.train(m, classes, train, lr, lrs.get(m)[1], preset.steps(), seed)) {
      double trainSeconds = secs(t);
      long s = System.nanoTime();
      results.add(classes, m, seed, "a", 0, lr, testA, tr.predict(testA), trainSeconds);
      results.add(classes, m, seed, "b", 0, lr, testB, tr.predict(testB), 0);
      log.printf(
          Locale.ROOT,
          "%2d classes seed %d %-14s lr %-7s trained %.0f s, scored %.0f s | a: %s | b zero-shot:"
              + " %s%n",
          classes,
          seed,
          m,
          lr,
          trainSeconds,
          secs(s),
          results.last(2).summary(),
          results.last(1).summary());
      if (classes == selectClasses
          && (m == PLoraMethod.PLORA || m == PLoraMethod.USER_EMB)
          && tr.enrols()
          && !preset.shots().isEmpty()) {
        if (!fewMultipliers.containsKey(m)) {
          // chosen once per method, on the first seed's model
          double chosen = selectFewShot(tr, m, selectUsers, classes, ids, lr, seed, results);
          fewMultipliers.put(m, chosen);
          results.setFewShotMultiplier(m, chosen);
        }
        fewShot(tr, m, fewUsers, classes, ids, lr * fewMultipliers.get(m), seed, results);
      }
    }
  }

  /**
   * The few-shot learning-rate multiplier of {@code method} with the best validation accuracy at K
   * = 10 (the first on ties).
   */
  private double selectFewShot(
      PLoraRunner.Trained tr,
      PLoraMethod method,
      List<RatingData.UserRows> users,
      int classes,
      Map<String, long[]> ids,
      double lr,
      long seed,
      PLoraResults results) {
    int k = preset.shots().contains(10) ? 10 : preset.shots().get(preset.shots().size() - 1);
    double best = preset.fewShotLrMultipliers().get(0);
    if (preset.fewShotLrMultipliers().size() == 1) {
      return best;
    }
    double bestAcc = -1;
    for (double mult : preset.fewShotLrMultipliers()) {
      long t = System.nanoTime();
      List<int[]> pairs = new ArrayList<>();
      for (RatingData.UserRows u : users) {
        PLoraRunner.Data shots =
            PLoraRunner.data(
                RatingData.sample(u.train(), k, seed * 31 + u.user().hashCode()), classes, ids);
        PLoraRunner.Data val = PLoraRunner.data(first(u.val()), classes, ids);
        int[] p = tr.fewShot(shots, val, lr * mult, preset.fewShotSteps(), seed);
        int[] y = val.labels();
        for (int i = 0; i < p.length; i++) {
          pairs.add(new int[] {y[i], p[i]});
        }
      }
      double acc = Scores.of(pairs, classes).accuracy();
      results.addFewShotSelection(method, mult, k, acc);
      log.printf(
          Locale.ROOT,
          "select few-shot %-10s lr x%s (K = %d, %d users): validation accuracy %.4f (%.1f s)%n",
          method,
          mult,
          k,
          users.size(),
          acc,
          secs(t));
      if (acc > bestAcc) {
        bestAcc = acc;
        best = mult;
      }
    }
    return best;
  }

  private void fewShot(
      PLoraRunner.Trained tr,
      PLoraMethod m,
      List<RatingData.UserRows> users,
      int classes,
      Map<String, long[]> ids,
      double lr,
      long seed,
      PLoraResults results) {
    for (int k : preset.shots()) {
      long t = System.nanoTime();
      List<RatingData.Row> rows = new ArrayList<>();
      List<Integer> preds = new ArrayList<>();
      double fitSeconds = 0;
      for (RatingData.UserRows u : users) {
        PLoraRunner.Data shots =
            PLoraRunner.data(
                RatingData.sample(u.train(), k, seed * 31 + u.user().hashCode()), classes, ids);
        PLoraRunner.Data test = PLoraRunner.data(first(u.test()), classes, ids);
        long f = System.nanoTime();
        int[] p = tr.fewShot(shots, test, lr, preset.fewShotSteps(), seed);
        fitSeconds += secs(f);
        rows.addAll(first(u.test()));
        for (int x : p) {
          preds.add(x);
        }
      }
      PLoraRunner.Data all = PLoraRunner.data(rows, classes, ids);
      results.add(
          classes,
          m,
          seed,
          "b",
          k,
          lr,
          all,
          preds.stream().mapToInt(Integer::intValue).toArray(),
          fitSeconds / users.size());
      log.printf(
          Locale.ROOT,
          "%2d classes seed %d %-14s few-shot K=%-2d (%d users, %.2f s/user): %s (%.0f s)%n",
          classes,
          seed,
          m,
          k,
          users.size(),
          fitSeconds / users.size(),
          results.last(1).summary(),
          secs(t));
    }
  }

  private boolean uses(PLoraMethod m) {
    for (int c : preset.classes()) {
      if (preset.methods(c).contains(m)) {
        return true;
      }
    }
    return false;
  }

  private List<RatingData.Row> first(List<RatingData.Row> rows) {
    return rows.subList(0, Math.min(rows.size(), preset.maxEvalPerUser()));
  }

  private static double accuracy(PLoraRunner.Data data, int[] pred) {
    int[] y = data.labels();
    int c = 0;
    for (int i = 0; i < y.length; i++) {
      c += y[i] == pred[i] ? 1 : 0;
    }
    return (double) c / y.length;
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static double secs(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
