/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.DataSelection;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.experiments.common.Presets;
import io.persona4j.federated.strategy.FellRec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named configuration of {@code persona4j fed experiment fellrec}. Build with {@link #builder()}
 * (or change a preset with {@link #toBuilder()}).
 *
 * @param name preset name
 * @param selection which users and training positions (shared with {@code rec experiment})
 * @param evalUsersPerClient test users evaluated per client, and validation users whose loss is
 *     tracked per round (0: all of the client's users)
 * @param clients number of clients (K-means clusters of users), {@code >= 1}; with {@code
 *     noisyUsers > 0} the noisy client comes on top
 * @param seeds one run of every method per seed (seed of LoRA init, data order, K-means)
 * @param sasrecEpochs SASRec epochs (its item embeddings give the user embeddings)
 * @param base the small base model pre-trained once per run
 * @param rounds federated rounds (local-only and centralized train as many rounds)
 * @param finetune the clients' LoRA training (on q_proj, v_proj): steps per client per round
 *     (centralized: {@code clients x steps} per round, the same total work), batch, constant AdamW
 *     learning rate, rank, alpha, dropout, longest prompt + answer, evaluation batch
 * @param clientLayers FELLRec's k: LoRA of the first k layers and of the last layer stays on the
 *     client and is never aggregated
 * @param proxMu FedProx's proximal coefficient
 * @param fellrec FELLRec's heating and temperature
 * @param maxNewTokens tokens generated per test prompt for the full-ranking grounding
 * @param grouping how users become clients
 * @param noisyUsers users (a seeded random sample) moved into one extra client whose training
 *     targets are corrupted (0: no such client; only with {@link Grouping#GENRE_KMEANS})
 * @param methods the methods a run compares by default, in table order
 * @param selectCheckpoint evaluate each method at the round with the lowest mean validation loss
 *     (false: after the last round)
 * @param tunedTemperature the heating temperature of {@link Method#FELLREC_TUNED_TEMPERATURE} (the
 *     paper's 0.05 stays in {@code fellrec} for {@link Method#FELLREC}); chosen on validation data
 *     by {@link FellRecSweep}
 * @param baseHoldsOutFinetune pre-train the base model on the users' histories without the items of
 *     the LLM training positions ({@code selection.llmTrainPerUser} most recent training items), so
 *     that the clients' fine-tuning targets are new to the base (false: the histories up to the
 *     validation item, which contain every fine-tuning target, as the standard preset did)
 */
public record FellRecPreset(
    String name,
    DataSelection selection,
    int evalUsersPerClient,
    int clients,
    List<Long> seeds,
    int sasrecEpochs,
    BaseModelPreset base,
    int rounds,
    FinetunePreset finetune,
    int clientLayers,
    double proxMu,
    FellRec.Config fellrec,
    int maxNewTokens,
    Grouping grouping,
    int noisyUsers,
    List<Method> methods,
    boolean selectCheckpoint,
    double tunedTemperature,
    boolean baseHoldsOutFinetune) {

  /** How the users are grouped into clients. */
  public enum Grouping {
    /**
     * K-means (seeded per run seed) on each user's unit-length mean SASRec item embedding, as the
     * FELLRec reference code groups users.
     */
    SASREC_KMEANS,
    /**
     * K-means (fixed seed, the same clients for every run seed) on each user's genre profile of its
     * training items, so that clients differ in taste ({@link TasteClients}).
     */
    GENRE_KMEANS
  }

  /** Validates the fields (errors name the field and its value). */
  public FellRecPreset {
    Objects.requireNonNull(name, "name");
    seeds = List.copyOf(seeds);
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(fellrec, "fellrec");
    Objects.requireNonNull(selection, "selection");
    requireAtLeast("evalUsersPerClient", evalUsersPerClient, 0);
    requireAtLeast("clients", clients, 1);
    requireAtLeast("sasrecEpochs", sasrecEpochs, 1);
    requireAtLeast("rounds", rounds, 1);
    Objects.requireNonNull(finetune, "finetune");
    requireAtLeast("clientLayers", clientLayers, 0);
    requireAtLeast("maxNewTokens", maxNewTokens, 1);
    Objects.requireNonNull(grouping, "grouping");
    requireAtLeast("noisyUsers", noisyUsers, 0);
    if (noisyUsers > 0 && grouping != Grouping.GENRE_KMEANS) {
      throw new IllegalArgumentException(
          "preset " + name + ": noisyUsers " + noisyUsers + " needs grouping GENRE_KMEANS");
    }
    if (!(tunedTemperature > 0) || Double.isInfinite(tunedTemperature)) {
      throw new IllegalArgumentException(
          "preset " + name + ": tunedTemperature must be finite and > 0, got " + tunedTemperature);
    }
    if (baseHoldsOutFinetune && selection.llmTrainPerUser() == 0) {
      throw new IllegalArgumentException(
          "preset "
              + name
              + ": baseHoldsOutFinetune needs selection.llmTrainPerUser > 0 (0 fine-tunes on every"
              + " training position, so none would be left for pre-training)");
    }
    methods = List.copyOf(methods);
    if (methods.isEmpty()) {
      throw new IllegalArgumentException("preset " + name + ": methods must not be empty");
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("preset " + name + ": seeds must not be empty");
    }
    Presets.atLeast("finetune.steps", finetune.steps(), 1);
    if (finetune.steps() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "finetune.steps (per client per round) must fit an int, got " + finetune.steps());
    }
    if (!(proxMu >= 0) || !Double.isFinite(proxMu)) {
      throw new IllegalArgumentException("proxMu must be finite and >= 0, got " + proxMu);
    }
    if (clientLayers + 1 >= base.layers()) {
      throw new IllegalArgumentException(
          "clientLayers must leave at least one middle layer on the server: clientLayers "
              + clientLayers
              + " + the last layer of "
              + base.layers()
              + " layers");
    }
  }

  /**
   * The methods of the original comparison: local-only, FedAvg, FedProx, FELLRec, FELLRec with
   * split learning, centralized.
   */
  public static final List<Method> CLASSIC =
      List.of(
          Method.LOCAL_ONLY,
          Method.FEDAVG,
          Method.FEDPROX,
          Method.FELLREC,
          Method.FELLREC_SPLIT,
          Method.CENTRALIZED);

  /**
   * The methods of the taste presets: the baselines, FELLRec and its three ablations (split
   * learning left out: it reproduces {@link Method#FELLREC} exactly).
   */
  public static final List<Method> WITH_ABLATIONS =
      List.of(
          Method.LOCAL_ONLY,
          Method.FEDAVG,
          Method.FEDPROX,
          Method.FELLREC,
          Method.FELLREC_NO_HEATING,
          Method.FELLREC_B5,
          Method.FELLREC_NO_SIMILARITY,
          Method.FELLREC_TUNED_TEMPERATURE,
          Method.CENTRALIZED);

  private static void requireAtLeast(String field, long value, long min) {
    Presets.atLeast(field, value, min);
  }

  /**
   * Tiny: 40 users, a 3-layer base (k = 1: layer 0 and 2 on the client, layer 1 on the server), 2
   * rounds; what CI runs (well under a minute).
   */
  public static FellRecPreset smoke() {
    return builder()
        .setName("smoke")
        .optSelection(
            DataSelection.builder()
                .optMaxUsers(40)
                .optLlmTrainPerUser(2)
                .optPretrainPromptsPerUser(1)
                .build())
        .optEvalUsersPerClient(3)
        .optClients(5)
        .optSeeds(List.of(1L))
        .optSasrecEpochs(1)
        .setBase(
            BaseModelPreset.builder()
                .setLayers(3)
                .setHidden(64)
                .optHeads(4)
                .optKvHeads(2)
                .setVocab(512)
                .optMaxLen(256)
                .setSteps(12)
                .optBatch(4)
                .optLr(3e-3)
                .build())
        .optRounds(2)
        .setFinetune(
            FinetunePreset.builder()
                .setSteps(2)
                .optBatch(4)
                .optLr(2e-3)
                .optRank(8)
                .optAlpha(16)
                .optDropout(0.05)
                .optMaxPrompt(256)
                .optEvalBatch(16)
                .build())
        .optClientLayers(1)
        .optProxMu(0.01)
        .optFellrec(FellRec.Config.defaults())
        .optMaxNewTokens(16)
        .build();
  }

  /**
   * All users of MovieLens latest-small in 5 K-means clients, a 4-layer base, 3 seeds; sized for
   * about 40 minutes on 2 busy cores.
   */
  public static FellRecPreset standard() {
    return builder()
        .setName("standard")
        .optSelection(
            DataSelection.builder()
                .optMaxUsers(0)
                .optLlmTrainPerUser(2)
                .optPretrainPromptsPerUser(4)
                .build())
        .optEvalUsersPerClient(20)
        .optClients(5)
        .optSeeds(List.of(1L, 2L, 3L))
        .optSasrecEpochs(10)
        .setBase(
            BaseModelPreset.builder()
                .setLayers(4)
                .setHidden(128)
                .optHeads(4)
                .optKvHeads(2)
                .setVocab(4096)
                .optMaxLen(256)
                .setSteps(400)
                .optBatch(8)
                .optLr(2e-3)
                .build())
        .optRounds(5)
        .setFinetune(
            FinetunePreset.builder()
                .setSteps(8)
                .optBatch(8)
                .optLr(1e-2)
                .optRank(8)
                .optAlpha(16)
                .optDropout(0.05)
                .optMaxPrompt(256)
                .optEvalBatch(20)
                .build())
        .optClientLayers(1)
        .optProxMu(0.01)
        .optFellrec(FellRec.Config.defaults())
        .optMaxNewTokens(24)
        .build();
  }

  /**
   * Clients of different tastes plus a noisy client, FELLRec with its three ablations and with the
   * validated heating temperature, on all 671 users: 5 genre-profile K-means clients and one client
   * of 60 random users whose training targets are random items; a base pre-trained without the
   * clients' fine-tuning targets; 8 rounds x 4 local steps at lr 3e-3 and heating temperature 0.2
   * for {@link Method#FELLREC_TUNED_TEMPERATURE}, both chosen on validation data by {@link
   * FellRecSweep} (seed 1, 4 rounds, 20 validation users per client; docs/RESULTS.md); each method
   * evaluated at its best validation round; 40 test users per client; 3 seeds. About an hour on 2
   * quiet cores with a cached base model (pre-training it adds about 10 minutes).
   */
  public static FellRecPreset tastes() {
    FellRecPreset standard = standard();
    return standard.toBuilder()
        .setName("tastes")
        .optGrouping(Grouping.GENRE_KMEANS)
        .optClients(5)
        .optNoisyUsers(60)
        .optEvalUsersPerClient(40)
        .optRounds(8)
        .setFinetune(standard.finetune().toBuilder().setSteps(4).optLr(3e-3).build())
        .optMethods(WITH_ABLATIONS)
        .optSelectCheckpoint(true)
        .optTunedTemperature(0.2)
        .optBaseHoldsOutFinetune(true)
        .build();
  }

  /** {@link #tastes()} at the smoke preset's size (CI, well under a minute). */
  public static FellRecPreset tastesSmoke() {
    return smoke().toBuilder()
        .setName("tastes-smoke")
        .optGrouping(Grouping.GENRE_KMEANS)
        .optClients(3)
        .optNoisyUsers(8)
        .optEvalUsersPerClient(4)
        .optRounds(3)
        .optMethods(WITH_ABLATIONS)
        .optSelectCheckpoint(true)
        .optBaseHoldsOutFinetune(true)
        .build();
  }

  /** A preset by name: smoke, standard, tastes or tastes-smoke. */
  public static FellRecPreset byName(String name) {
    return Presets.byName(
        name,
        Map.of(
            "smoke",
            FellRecPreset::smoke,
            "standard",
            FellRecPreset::standard,
            "tastes",
            FellRecPreset::tastes,
            "tastes-smoke",
            FellRecPreset::tastesSmoke));
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
        .optEvalUsersPerClient(evalUsersPerClient)
        .optClients(clients)
        .optSeeds(seeds)
        .optSasrecEpochs(sasrecEpochs)
        .setBase(base)
        .optRounds(rounds)
        .setFinetune(finetune)
        .optClientLayers(clientLayers)
        .optProxMu(proxMu)
        .optFellrec(fellrec)
        .optMaxNewTokens(maxNewTokens)
        .optGrouping(grouping)
        .optNoisyUsers(noisyUsers)
        .optMethods(methods)
        .optSelectCheckpoint(selectCheckpoint)
        .optTunedTemperature(tunedTemperature)
        .optBaseHoldsOutFinetune(baseHoldsOutFinetune);
  }

  /** Builds a {@link FellRecPreset}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private String name;
    private DataSelection selection = DataSelection.ALL;
    private int evalUsersPerClient = 0;
    private int clients = 5;
    private List<Long> seeds = List.of(1L);
    private int sasrecEpochs = 1;
    private BaseModelPreset base;
    private int rounds = 1;
    private FinetunePreset finetune;
    private int clientLayers = 1;
    private double proxMu = 0.01;
    private FellRec.Config fellrec = FellRec.Config.defaults();
    private int maxNewTokens = 16;
    private Grouping grouping = Grouping.SASREC_KMEANS;
    private int noisyUsers = 0;
    private List<Method> methods = CLASSIC;
    private boolean selectCheckpoint = false;
    private double tunedTemperature = 0.5;
    private boolean baseHoldsOutFinetune = false;

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

    /** Test and validation users per client, 0 for all (default 0). */
    public Builder optEvalUsersPerClient(int evalUsersPerClient) {
      this.evalUsersPerClient = evalUsersPerClient;
      return this;
    }

    /** Number of K-means clients (default 5). */
    public Builder optClients(int clients) {
      this.clients = clients;
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

    /** Federated rounds (default 1). */
    public Builder optRounds(int rounds) {
      this.rounds = rounds;
      return this;
    }

    /** The clients' LoRA training, steps per client per round (required). */
    public Builder setFinetune(FinetunePreset finetune) {
      this.finetune = finetune;
      return this;
    }

    /** FELLRec's k, layers kept on the client (default 1). */
    public Builder optClientLayers(int clientLayers) {
      this.clientLayers = clientLayers;
      return this;
    }

    /** FedProx's proximal coefficient (default 0.01). */
    public Builder optProxMu(double proxMu) {
      this.proxMu = proxMu;
      return this;
    }

    /** FELLRec's heating and temperature (default its defaults). */
    public Builder optFellrec(FellRec.Config fellrec) {
      this.fellrec = fellrec;
      return this;
    }

    /** Tokens generated per test prompt (default 16). */
    public Builder optMaxNewTokens(int maxNewTokens) {
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    /** How users become clients (default {@link Grouping#SASREC_KMEANS}). */
    public Builder optGrouping(Grouping grouping) {
      this.grouping = grouping;
      return this;
    }

    /** Users of the extra noisy client (default 0: none). */
    public Builder optNoisyUsers(int noisyUsers) {
      this.noisyUsers = noisyUsers;
      return this;
    }

    /** The methods a run compares by default (default {@link #CLASSIC}). */
    public Builder optMethods(List<Method> methods) {
      this.methods = methods;
      return this;
    }

    /** Evaluate at the best validation round (default false: the last round). */
    public Builder optSelectCheckpoint(boolean selectCheckpoint) {
      this.selectCheckpoint = selectCheckpoint;
      return this;
    }

    /**
     * Heating temperature of {@link Method#FELLREC_TUNED_TEMPERATURE} (default 0.5; the taste
     * presets use the value chosen on validation data).
     */
    public Builder optTunedTemperature(double tunedTemperature) {
      this.tunedTemperature = tunedTemperature;
      return this;
    }

    /**
     * Pre-train the base without the fine-tuning positions' items (default false: the standard
     * presets' base, which has seen them).
     */
    public Builder optBaseHoldsOutFinetune(boolean baseHoldsOutFinetune) {
      this.baseHoldsOutFinetune = baseHoldsOutFinetune;
      return this;
    }

    /** The validated preset. */
    public FellRecPreset build() {
      return new FellRecPreset(
          name,
          selection,
          evalUsersPerClient,
          clients,
          seeds,
          sasrecEpochs,
          base,
          rounds,
          finetune,
          clientLayers,
          proxMu,
          fellrec,
          maxNewTokens,
          grouping,
          noisyUsers,
          methods,
          selectCheckpoint,
          tunedTemperature,
          baseHoldsOutFinetune);
    }
  }
}
