/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import io.persona4j.adapters.moe.GateType;
import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.DataSelection;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.experiments.common.Presets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named experiment configuration of {@code persona4j rec experiment}: which users, how big the
 * base model is and how long each part trains, which methods run and on how many seeds. Build with
 * {@link #builder()} (or change a preset with {@link #toBuilder()}).
 *
 * @param name preset name
 * @param selection which users and training positions (shared with {@code fed experiment fellrec});
 *     the text-only LLaRA prompts (with answers) of the older positions join the base model's
 *     corpus, so that it learns to read a prompt and answer with a title before the adapters are
 *     trained
 * @param evalUsers test (and validation) users evaluated by the LLM methods (0: all kept users)
 * @param seeds one run of every trained method per seed
 * @param sasrecEpochs SASRec training epochs (early stopping on validation NDCG@10)
 * @param base the pre-training of the small base model (once per run, seed of the first seed)
 * @param finetune LoRA / iLoRA fine-tuning settings
 * @param methods the LLM methods (popularity and SASRec always run)
 * @param validUsers validation users of the checkpoint selection (the first ones; 0: all kept)
 * @param checks validation checks during fine-tuning, evenly spaced; the best by validation HR x
 *     ValidRatio is evaluated on the test users ({@link CheckpointSelector}); 0: the final weights
 * @param groups behaviour groups: 0 for none, else the users are clustered by their genre profile
 *     into this many groups ({@link BehaviourGroups}) and every result is also reported per group
 * @param copyPromptsPerUser 0: the base model's corpus holds the older positions' prompts with
 *     their true answers ({@code selection.pretrainPromptsPerUser}); otherwise this many copying
 *     prompts per user whose answer is a randomly drawn listed candidate ({@link
 *     io.persona4j.experiments.common.CopyCorpus}), so the base model learns to copy a title
 *     without learning which one to recommend
 */
public record RecPreset(
    String name,
    DataSelection selection,
    int evalUsers,
    List<Long> seeds,
    int sasrecEpochs,
    BaseModelPreset base,
    FinetunePreset finetune,
    List<Method> methods,
    int validUsers,
    int checks,
    int groups,
    int copyPromptsPerUser) {

  /**
   * An LLM recommender: LoRA of total rank r split into {@code experts} experts (1 = plain LoRA,
   * LLaRA), gated per sequence by {@code gate}.
   */
  public record Method(String name, int experts, GateType gate) {}

  /** Validates and copies the lists. */
  public RecPreset {
    Objects.requireNonNull(name, "name");
    seeds = List.copyOf(seeds);
    methods = List.copyOf(methods);
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("preset " + name + ": no seeds");
    }
    Objects.requireNonNull(selection, "selection");
    Presets.atLeast("evalUsers", evalUsers, 0);
    Presets.atLeast("sasrecEpochs", sasrecEpochs, 1);
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(finetune, "finetune");
    Presets.atLeast("validUsers", validUsers, 0);
    Presets.atLeast("checks", checks, 0);
    Presets.atLeast("groups", groups, 0);
    Presets.atLeast("copyPromptsPerUser", copyPromptsPerUser, 0);
    if (groups == 1) {
      throw new IllegalArgumentException("preset " + name + ": groups must be 0 (none) or >= 2");
    }
  }

  /** LoRA, iLoRA K = 4 and its random-gate ablation: the grouped setting's comparison. */
  static List<Method> groupedMethods() {
    List<Method> all = allMethods();
    return List.of(all.get(0), all.get(2), all.get(4));
  }

  /**
   * The grouped setting: users clustered into 4 behaviour groups by genre profile; LoRA vs iLoRA (K
   * = 4) vs the random gate at equal rank, checkpoints selected on 200 validation users, all test
   * users evaluated once, 3 seeds.
   */
  public static RecPreset grouped() {
    RecPreset s = standard();
    return s.toBuilder()
        .setName("grouped")
        .optEvalUsers(0)
        .optSasrecEpochs(20)
        .setBase(s.base().toBuilder().setSteps(300).build())
        .setFinetune(s.finetune().toBuilder().setSteps(100).build())
        .optMethods(groupedMethods())
        .optValidUsers(100)
        .optChecks(4)
        .optGroups(4)
        .optSelection(s.selection().toBuilder().optPretrainPromptsPerUser(0).build())
        .optCopyPromptsPerUser(16)
        .build();
  }

  /** The grouped setting on the smoke preset's subset: what CI runs. */
  public static RecPreset groupedSmoke() {
    RecPreset s = smoke();
    return s.toBuilder()
        .setName("grouped-smoke")
        .optEvalUsers(16)
        .setBase(s.base().toBuilder().setSteps(12).build())
        .setFinetune(s.finetune().toBuilder().setSteps(8).build())
        .optMethods(groupedMethods())
        .optValidUsers(8)
        .optChecks(2)
        .optGroups(2)
        .optSelection(s.selection().toBuilder().optPretrainPromptsPerUser(0).build())
        .optCopyPromptsPerUser(2)
        .build();
  }

  /** The methods of the paper's comparison and ablations. */
  static List<Method> allMethods() {
    return List.of(
        new Method("LLaRA-LoRA (K=1)", 1, GateType.LINEAR),
        new Method("iLoRA K=2", 2, GateType.LINEAR),
        new Method("iLoRA K=4", 4, GateType.LINEAR),
        new Method("iLoRA K=8", 8, GateType.LINEAR),
        new Method("iLoRA K=4, random gate", 4, GateType.RANDOM));
  }

  /** Minutes on a subset: what CI runs. */
  public static RecPreset smoke() {
    return builder()
        .setName("smoke")
        .optSelection(
            DataSelection.builder()
                .optMaxUsers(40)
                .optLlmTrainPerUser(2)
                .optPretrainPromptsPerUser(2)
                .build())
        .optEvalUsers(24)
        .optSeeds(List.of(1L))
        .optSasrecEpochs(3)
        .setBase(
            BaseModelPreset.builder()
                .setLayers(2)
                .setHidden(64)
                .optHeads(4)
                .optKvHeads(2)
                .setVocab(1024)
                .optMaxLen(640)
                .setSteps(30)
                .optBatch(8)
                .optLr(3e-3)
                .build())
        .setFinetune(
            FinetunePreset.builder()
                .setSteps(12)
                .optBatch(4)
                .optLr(1e-3)
                .optRank(8)
                .optAlpha(32)
                .optDropout(0.1)
                .optMaxPrompt(640)
                .optEvalBatch(8)
                .build())
        .optMethods(List.of(allMethods().get(0), allMethods().get(2)))
        .build();
  }

  /** The full comparison on MovieLens latest-small, 3 seeds, sized for about an hour on 2 cores. */
  public static RecPreset standard() {
    return builder()
        .setName("standard")
        .optSelection(
            DataSelection.builder()
                .optMaxUsers(0)
                .optLlmTrainPerUser(1)
                .optPretrainPromptsPerUser(6)
                .build())
        .optEvalUsers(200)
        .optSeeds(List.of(1L, 2L, 3L))
        .optSasrecEpochs(40)
        .setBase(
            BaseModelPreset.builder()
                .setLayers(4)
                .setHidden(128)
                .optHeads(4)
                .optKvHeads(2)
                .setVocab(4096)
                .optMaxLen(512)
                .setSteps(600)
                .optBatch(8)
                .optLr(2e-3)
                .build())
        .setFinetune(
            FinetunePreset.builder()
                .setSteps(60)
                .optBatch(8)
                .optLr(2e-3)
                .optRank(8)
                .optAlpha(32)
                .optDropout(0.1)
                .optMaxPrompt(512)
                .optEvalBatch(16)
                .build())
        .optMethods(allMethods())
        .build();
  }

  /** A preset by name: smoke, standard, grouped or grouped-smoke. */
  public static RecPreset byName(String name) {
    return Presets.byName(
        name,
        Map.of(
            "smoke",
            RecPreset::smoke,
            "standard",
            RecPreset::standard,
            "grouped",
            RecPreset::grouped,
            "grouped-smoke",
            RecPreset::groupedSmoke));
  }

  /** A builder: name, base model and fine-tuning required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this preset's values (to change some of them). */
  public Builder toBuilder() {
    return builder()
        .setName(name)
        .optSelection(selection)
        .optEvalUsers(evalUsers)
        .optSeeds(seeds)
        .optSasrecEpochs(sasrecEpochs)
        .setBase(base)
        .setFinetune(finetune)
        .optMethods(methods)
        .optValidUsers(validUsers)
        .optChecks(checks)
        .optGroups(groups)
        .optCopyPromptsPerUser(copyPromptsPerUser);
  }

  /** Builds a {@link RecPreset}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private String name;
    private DataSelection selection = DataSelection.ALL;
    private int evalUsers;
    private List<Long> seeds = List.of(1L);
    private int sasrecEpochs = 1;
    private BaseModelPreset base;
    private FinetunePreset finetune;
    private List<Method> methods = allMethods();
    private int validUsers;
    private int checks;
    private int groups;
    private int copyPromptsPerUser;

    private Builder() {}

    /** Preset name (required). */
    public Builder setName(String name) {
      this.name = name;
      return this;
    }

    /** Which users and positions (default {@link DataSelection#ALL}). */
    public Builder optSelection(DataSelection selection) {
      this.selection = selection;
      return this;
    }

    /** Test users of the LLM methods, 0 for all (default 0). */
    public Builder optEvalUsers(int evalUsers) {
      this.evalUsers = evalUsers;
      return this;
    }

    /** Seeds (default [1]). */
    public Builder optSeeds(List<Long> seeds) {
      this.seeds = seeds;
      return this;
    }

    /** SASRec epochs (default 1). */
    public Builder optSasrecEpochs(int sasrecEpochs) {
      this.sasrecEpochs = sasrecEpochs;
      return this;
    }

    /** The base model (required). */
    public Builder setBase(BaseModelPreset base) {
      this.base = base;
      return this;
    }

    /** Fine-tuning (required). */
    public Builder setFinetune(FinetunePreset finetune) {
      this.finetune = finetune;
      return this;
    }

    /** LLM methods (default all five). */
    public Builder optMethods(List<Method> methods) {
      this.methods = methods;
      return this;
    }

    /** Validation users of the checkpoint selection, 0 for all (default 0). */
    public Builder optValidUsers(int validUsers) {
      this.validUsers = validUsers;
      return this;
    }

    /** Validation checks during fine-tuning, 0 for none: the final weights (default 0). */
    public Builder optChecks(int checks) {
      this.checks = checks;
      return this;
    }

    /** Behaviour groups, 0 for none (default 0). */
    public Builder optGroups(int groups) {
      this.groups = groups;
      return this;
    }

    /** Copying prompts per user in the base model's corpus, 0 for none (default 0). */
    public Builder optCopyPromptsPerUser(int copyPromptsPerUser) {
      this.copyPromptsPerUser = copyPromptsPerUser;
      return this;
    }

    /** The validated preset. */
    public RecPreset build() {
      return new RecPreset(
          name,
          selection,
          evalUsers,
          seeds,
          sasrecEpochs,
          base,
          finetune,
          methods,
          validUsers,
          checks,
          groups,
          copyPromptsPerUser);
    }
  }
}
