package io.persona4j.experiments.fellrec;

import io.persona4j.experiments.rec.RecPreset;
import io.persona4j.federated.strategy.FellRec;
import java.util.List;
import java.util.Objects;

/**
 * A named configuration of {@code persona4j fed experiment fellrec}.
 *
 * @param name preset name
 * @param maxUsers a seeded sample of users (0: all)
 * @param llmTrainPerUser most recent training positions per user for the LoRA training (0: all)
 * @param pretrainPromptsPerUser older positions per user whose prompts (with answers) join the base
 *     model's corpus
 * @param evalUsersPerClient test users evaluated per client, and validation users whose loss is
 *     tracked per round (0: all of the client's users)
 * @param clients number of clients (K-means clusters of users), {@code >= 1}
 * @param seeds one run of every method per seed (seed of LoRA init, data order, K-means)
 * @param sasrecEpochs SASRec epochs (its item embeddings give the user embeddings)
 * @param base the small base model pre-trained once per run
 * @param rounds federated rounds (local-only and centralized train as many rounds)
 * @param localSteps optimizer steps per client per round (centralized: {@code clients x localSteps}
 *     per round, the same total work)
 * @param batch examples per step
 * @param lr constant AdamW learning rate of the LoRA
 * @param rank LoRA rank (on q_proj, v_proj)
 * @param alpha LoRA alpha
 * @param dropout LoRA dropout
 * @param maxPrompt longest prompt + answer in tokens
 * @param clientLayers FELLRec's k: LoRA of the first k layers and of the last layer stays on the
 *     client and is never aggregated
 * @param proxMu FedProx's proximal coefficient
 * @param fellrec FELLRec's heating and temperature
 * @param maxNewTokens tokens generated per test prompt for the full-ranking grounding
 * @param evalBatch prompts per evaluation forward pass
 */
public record FellRecPreset(
    String name,
    int maxUsers,
    int llmTrainPerUser,
    int pretrainPromptsPerUser,
    int evalUsersPerClient,
    int clients,
    List<Long> seeds,
    int sasrecEpochs,
    RecPreset.Base base,
    int rounds,
    int localSteps,
    int batch,
    double lr,
    int rank,
    double alpha,
    double dropout,
    int maxPrompt,
    int clientLayers,
    double proxMu,
    FellRec.Config fellrec,
    int maxNewTokens,
    int evalBatch) {

  /** Validates the fields (errors name the field and its value). */
  public FellRecPreset {
    Objects.requireNonNull(name, "name");
    seeds = List.copyOf(seeds);
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(fellrec, "fellrec");
    requireAtLeast("maxUsers", maxUsers, 0);
    requireAtLeast("llmTrainPerUser", llmTrainPerUser, 0);
    requireAtLeast("pretrainPromptsPerUser", pretrainPromptsPerUser, 0);
    requireAtLeast("evalUsersPerClient", evalUsersPerClient, 0);
    requireAtLeast("clients", clients, 1);
    requireAtLeast("sasrecEpochs", sasrecEpochs, 1);
    requireAtLeast("rounds", rounds, 1);
    requireAtLeast("localSteps", localSteps, 1);
    requireAtLeast("batch", batch, 1);
    requireAtLeast("rank", rank, 1);
    requireAtLeast("maxPrompt", maxPrompt, 16);
    requireAtLeast("clientLayers", clientLayers, 0);
    requireAtLeast("maxNewTokens", maxNewTokens, 1);
    requireAtLeast("evalBatch", evalBatch, 1);
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("preset " + name + ": seeds must not be empty");
    }
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("lr must be finite and > 0, got " + lr);
    }
    if (!(alpha > 0) || !Double.isFinite(alpha)) {
      throw new IllegalArgumentException("alpha must be finite and > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
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

  private static void requireAtLeast(String field, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be >= " + min + ", got " + value);
    }
  }

  /**
   * Tiny: 40 users, a 3-layer base (k = 1: layer 0 and 2 on the client, layer 1 on the server), 2
   * rounds; what CI runs (well under a minute).
   */
  public static FellRecPreset smoke() {
    return new FellRecPreset(
        "smoke",
        40,
        2,
        1,
        3,
        5,
        List.of(1L),
        1,
        new RecPreset.Base(3, 64, 4, 2, 512, 256, 12, 4, 3e-3),
        2,
        2,
        4,
        2e-3,
        8,
        16,
        0.05,
        256,
        1,
        0.01,
        FellRec.Config.defaults(),
        16,
        16);
  }

  /**
   * All users of MovieLens latest-small in 5 K-means clients, a 4-layer base, 3 seeds; sized for
   * about 40 minutes on 2 busy cores.
   */
  public static FellRecPreset standard() {
    return new FellRecPreset(
        "standard",
        0,
        2,
        4,
        20,
        5,
        List.of(1L, 2L, 3L),
        10,
        new RecPreset.Base(4, 128, 4, 2, 4096, 256, 400, 8, 2e-3),
        5,
        8,
        8,
        1e-2,
        8,
        16,
        0.05,
        256,
        1,
        0.01,
        FellRec.Config.defaults(),
        24,
        20);
  }

  /** A preset by name: smoke or standard. */
  public static FellRecPreset byName(String name) {
    return switch (name) {
      case "smoke" -> smoke();
      case "standard" -> standard();
      default ->
          throw new IllegalArgumentException(
              "--preset: '" + name + "' is not one of smoke, standard");
    };
  }
}
