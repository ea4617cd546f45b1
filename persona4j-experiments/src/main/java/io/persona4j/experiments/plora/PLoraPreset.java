/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

import java.util.List;

/**
 * Size and settings of a PLoRA experiment run.
 *
 * @param name preset name
 * @param maxUsers users taken from the data (0: all)
 * @param groupBFraction share of users in the new-user group "b"
 * @param splitSeed seed of the user split (the same for every seed of the run)
 * @param maxTokens token limit per text, special tokens included
 * @param classes the rating tasks: 10 (half stars) and/or 5 classes
 * @param methods10 methods run on the 10-class task
 * @param methods5 methods run on the 5-class task
 * @param seeds seeds of initialisation, data order and dropout
 * @param steps optimizer steps of every method's training on group "a"
 * @param batchSize examples per step
 * @param selectSteps steps of the learning-rate selection runs (first seed, 10 classes, scored on
 *     group "a" validation rows)
 * @param loraLrs learning rates tried for task LoRA and PLoRA (its ablations use PLoRA's)
 * @param tableLrMultipliers multipliers of the learning rate of PLoRA's user table E tried with
 *     each PLoRA learning rate (AdamW parameter group; 1 is the authors' single rate)
 * @param headLrs learning rates tried for the frozen-encoder methods
 * @param loraHeadLrMultiplier the head's learning rate over the adapter's in the methods that
 *     fine-tune the encoder (a new head learns slowly at a LoRA learning rate)
 * @param r LoRA rank
 * @param alpha LoRA alpha
 * @param dropout LoRA dropout
 * @param userDim PLoRA's d_u (and the user-id embedding's width)
 * @param pRate PLoRA's personalized dropout
 * @param mim the MI ablation's weight
 * @param maxEvalPerUser validation and test rows per user at most (their earliest)
 * @param shots the few-shot K values
 * @param fewShotUsers group "b" users enrolled few-shot (the first in the split's order; 0: all)
 * @param fewShotSteps steps of a few-shot fit
 * @param fewShotLrMultipliers multiples of the PLoRA learning rate tried for few-shot fitting
 *     (selected on group "b" validation rows at K = 10)
 * @param bootstrap bootstrap resamples of users for the paired confidence intervals
 */
public record PLoraPreset(
    String name,
    int maxUsers,
    double groupBFraction,
    long splitSeed,
    int maxTokens,
    List<Integer> classes,
    List<PLoraMethod> methods10,
    List<PLoraMethod> methods5,
    List<Long> seeds,
    int steps,
    int batchSize,
    int selectSteps,
    List<Double> loraLrs,
    List<Double> tableLrMultipliers,
    List<Double> headLrs,
    double loraHeadLrMultiplier,
    int r,
    double alpha,
    double dropout,
    int userDim,
    double pRate,
    double mim,
    int maxEvalPerUser,
    List<Integer> shots,
    int fewShotUsers,
    int fewShotSteps,
    List<Double> fewShotLrMultipliers,
    int bootstrap) {

  /** Validates and copies. */
  public PLoraPreset {
    if (maxUsers < 0 || !(groupBFraction > 0 && groupBFraction < 1) || maxTokens < 4) {
      throw new IllegalArgumentException("maxUsers >= 0, groupBFraction in (0,1), maxTokens >= 4");
    }
    for (int c : classes) {
      if (c != 10 && c != 5) {
        throw new IllegalArgumentException("classes are 10 and/or 5, got " + c);
      }
    }
    if (seeds.isEmpty() || steps < 1 || batchSize < 1 || selectSteps < 1) {
      throw new IllegalArgumentException("seeds, steps, batchSize and selectSteps must be set");
    }
    if (loraLrs.isEmpty()
        || tableLrMultipliers.isEmpty()
        || headLrs.isEmpty()
        || fewShotLrMultipliers.isEmpty()) {
      throw new IllegalArgumentException("learning-rate grids must not be empty");
    }
    if (!(loraHeadLrMultiplier > 0)) {
      throw new IllegalArgumentException("loraHeadLrMultiplier must be > 0");
    }
    if (r < 1 || userDim < 1 || !(pRate >= 0 && pRate < 1) || !(mim > 0)) {
      throw new IllegalArgumentException("r, userDim >= 1, pRate in [0,1), mim > 0");
    }
    if (maxEvalPerUser < 1 || fewShotUsers < 0 || fewShotSteps < 1 || bootstrap < 100) {
      throw new IllegalArgumentException(
          "maxEvalPerUser, fewShotSteps >= 1, fewShotUsers >= 0, bootstrap >= 100");
    }
    classes = List.copyOf(classes);
    methods10 = List.copyOf(methods10);
    methods5 = List.copyOf(methods5);
    seeds = List.copyOf(seeds);
    loraLrs = List.copyOf(loraLrs);
    tableLrMultipliers = List.copyOf(tableLrMultipliers);
    headLrs = List.copyOf(headLrs);
    shots = List.copyOf(shots);
    fewShotLrMultipliers = List.copyOf(fewShotLrMultipliers);
  }

  /** The methods of the {@code classes}-class task. */
  public List<PLoraMethod> methods(int classes) {
    return classes == 10 ? methods10 : methods5;
  }

  /** Seconds on a tiny random BERT with hashed words (CI). */
  public static PLoraPreset smoke() {
    return builder()
        .optName("smoke")
        .optMaxUsers(30)
        .optMaxTokens(24)
        .optMethods5(List.of(PLoraMethod.HEAD, PLoraMethod.TASK_LORA, PLoraMethod.PLORA))
        .optSeeds(List.of(1L, 2L))
        .optSteps(12)
        .optBatchSize(16)
        .optSelectSteps(6)
        .optLoraLrs(List.of(1e-2))
        .optTableLrMultipliers(List.of(1.0))
        .optHeadLrs(List.of(1e-2))
        .optR(4)
        .optAlpha(8)
        .optUserDim(16)
        .optMaxEvalPerUser(3)
        .optShots(List.of(1, 5))
        .optFewShotUsers(3)
        .optFewShotSteps(4)
        .optFewShotLrMultipliers(List.of(10.0))
        .optBootstrap(200)
        .build();
  }

  /**
   * all-MiniLM-L6-v2 on 80 users of the data (a seeded sample; 64 trained, 16 new; 10 of them
   * enrolled few-shot), 10 and 5 classes, 3 seeds, 100 steps of 16 (selection runs 30), the
   * authors' r 64 / alpha 128 / dropout 0.1 / d_u 512, p_rate 0.1; learning rates of task LoRA and
   * PLoRA from {1e-3, 3e-3} (user table at the same rate), of the frozen-encoder heads from {1e-3,
   * 1e-2}, few-shot at 10x or 100x, all chosen on validation rows. The encoder's forward and
   * backward passes dominate; docs/RESULTS.md gives the preset's measured wall time on the shared
   * two-core machine.
   */
  public static PLoraPreset standard() {
    return builder().build();
  }

  /** The preset called {@code name}. */
  public static PLoraPreset named(String name) {
    return switch (name) {
      case "smoke" -> smoke();
      case "standard" -> standard();
      default -> throw new IllegalArgumentException("--preset " + name + ": use smoke or standard");
    };
  }

  /** A builder with the standard preset's settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this preset. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.maxUsers = maxUsers;
    b.groupBFraction = groupBFraction;
    b.splitSeed = splitSeed;
    b.maxTokens = maxTokens;
    b.classes = classes;
    b.methods10 = methods10;
    b.methods5 = methods5;
    b.seeds = seeds;
    b.steps = steps;
    b.batchSize = batchSize;
    b.selectSteps = selectSteps;
    b.loraLrs = loraLrs;
    b.tableLrMultipliers = tableLrMultipliers;
    b.headLrs = headLrs;
    b.loraHeadLrMultiplier = loraHeadLrMultiplier;
    b.r = r;
    b.alpha = alpha;
    b.dropout = dropout;
    b.userDim = userDim;
    b.pRate = pRate;
    b.mim = mim;
    b.maxEvalPerUser = maxEvalPerUser;
    b.shots = shots;
    b.fewShotUsers = fewShotUsers;
    b.fewShotSteps = fewShotSteps;
    b.fewShotLrMultipliers = fewShotLrMultipliers;
    b.bootstrap = bootstrap;
    return b;
  }

  /** Builds a {@link PLoraPreset}; every setting optional ({@code optX}), defaults standard's. */
  public static final class Builder {
    private String name = "standard";
    private int maxUsers = 80;
    private double groupBFraction = 0.2;
    private long splitSeed = 7;
    private int maxTokens = 32;
    private List<Integer> classes = List.of(10, 5);
    private List<PLoraMethod> methods10 = List.of(PLoraMethod.values());
    private List<PLoraMethod> methods5 =
        List.of(PLoraMethod.HEAD, PLoraMethod.USER_EMB, PLoraMethod.TASK_LORA, PLoraMethod.PLORA);
    private List<Long> seeds = List.of(1L, 2L, 3L);
    private int steps = 100;
    private int batchSize = 16;
    private int selectSteps = 30;
    private List<Double> loraLrs = List.of(1e-3, 3e-3);
    private List<Double> tableLrMultipliers = List.of(1.0);
    private List<Double> headLrs = List.of(1e-3, 1e-2);
    private double loraHeadLrMultiplier = 10;
    private int r = 64;
    private double alpha = 128;
    private double dropout = 0.1;
    private int userDim = 512;
    private double pRate = 0.1;
    private double mim = 1.0;
    private int maxEvalPerUser = 10;
    private List<Integer> shots = List.of(1, 5, 10, 20);
    private int fewShotUsers = 10;
    private int fewShotSteps = 8;
    private List<Double> fewShotLrMultipliers = List.of(10.0, 100.0);
    private int bootstrap = 2000;

    private Builder() {}

    /** Preset name (default standard). */
    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /** Users taken (default 80; 0: all). */
    public Builder optMaxUsers(int maxUsers) {
      this.maxUsers = maxUsers;
      return this;
    }

    /** Share of new users (default 0.2). */
    public Builder optGroupBFraction(double f) {
      this.groupBFraction = f;
      return this;
    }

    /** Token limit per text (default 32). */
    public Builder optMaxTokens(int maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    /** Tasks (default 10 and 5 classes). */
    public Builder optClasses(List<Integer> classes) {
      this.classes = classes;
      return this;
    }

    /** Methods of the 10-class task (default all). */
    public Builder optMethods10(List<PLoraMethod> methods) {
      this.methods10 = methods;
      return this;
    }

    /** Methods of the 5-class task (default head, user-id embedding, task LoRA, PLoRA). */
    public Builder optMethods5(List<PLoraMethod> methods) {
      this.methods5 = methods;
      return this;
    }

    /** Seeds (default 1, 2, 3). */
    public Builder optSeeds(List<Long> seeds) {
      this.seeds = seeds;
      return this;
    }

    /** Seeds 1..n. */
    public Builder optSeedCount(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("seeds must be >= 1, got " + n);
      }
      this.seeds = java.util.stream.LongStream.rangeClosed(1, n).boxed().toList();
      return this;
    }

    /** Training steps (default 100). */
    public Builder optSteps(int steps) {
      this.steps = steps;
      return this;
    }

    /** Batch size (default 16). */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Steps of a selection run (default 30). */
    public Builder optSelectSteps(int selectSteps) {
      this.selectSteps = selectSteps;
      return this;
    }

    /** LoRA learning rates tried (default 1e-3, 3e-3). */
    public Builder optLoraLrs(List<Double> lrs) {
      this.loraLrs = lrs;
      return this;
    }

    /**
     * User-table learning-rate multipliers tried with PLoRA (default 1 only, the authors' single
     * rate: 1 and 30 tied on validation in the first standard run).
     */
    public Builder optTableLrMultipliers(List<Double> m) {
      this.tableLrMultipliers = m;
      return this;
    }

    /** Frozen-encoder learning rates tried (default 1e-3, 1e-2). */
    public Builder optHeadLrs(List<Double> lrs) {
      this.headLrs = lrs;
      return this;
    }

    /** The head's learning-rate multiplier in the LoRA-based methods (default 10). */
    public Builder optLoraHeadLrMultiplier(double m) {
      this.loraHeadLrMultiplier = m;
      return this;
    }

    /** LoRA rank (default 64). */
    public Builder optR(int r) {
      this.r = r;
      return this;
    }

    /** LoRA alpha (default 128). */
    public Builder optAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** d_u (default 512). */
    public Builder optUserDim(int userDim) {
      this.userDim = userDim;
      return this;
    }

    /** Validation/test rows per user (default 10). */
    public Builder optMaxEvalPerUser(int n) {
      this.maxEvalPerUser = n;
      return this;
    }

    /** Few-shot K values (default 1, 5, 10, 20). */
    public Builder optShots(List<Integer> shots) {
      this.shots = shots;
      return this;
    }

    /** New users enrolled few-shot (default 10). */
    public Builder optFewShotUsers(int n) {
      this.fewShotUsers = n;
      return this;
    }

    /** Steps of a few-shot fit (default 8). */
    public Builder optFewShotSteps(int n) {
      this.fewShotSteps = n;
      return this;
    }

    /** Few-shot learning-rate multiples tried (default 10, 100). */
    public Builder optFewShotLrMultipliers(List<Double> m) {
      this.fewShotLrMultipliers = m;
      return this;
    }

    /** Bootstrap resamples (default 2000). */
    public Builder optBootstrap(int n) {
      this.bootstrap = n;
      return this;
    }

    /** The validated preset. */
    public PLoraPreset build() {
      return new PLoraPreset(
          name,
          maxUsers,
          groupBFraction,
          splitSeed,
          maxTokens,
          classes,
          methods10,
          methods5,
          seeds,
          steps,
          batchSize,
          selectSteps,
          loraLrs,
          tableLrMultipliers,
          headLrs,
          loraHeadLrMultiplier,
          r,
          alpha,
          dropout,
          userDim,
          pRate,
          mim,
          maxEvalPerUser,
          shots,
          fewShotUsers,
          fewShotSteps,
          fewShotLrMultipliers,
          bootstrap);
    }
  }
}
