package io.persona4j.experiments.rec;

import io.persona4j.adapters.moe.GateType;
import java.util.List;

/**
 * A named experiment configuration of {@code persona4j rec experiment}: which users, how big the
 * base model is and how long each part trains, which methods run and on how many seeds.
 *
 * @param maxUsers a seeded sample of users (0: all)
 * @param llmTrainPerUser most recent training positions per user for the LLM fine-tuning (0: all)
 * @param pretrainPromptsPerUser older training positions per user whose text-only LLaRA prompts
 *     (with answers) join the base model's corpus, so that it learns to read a prompt and answer
 *     with a title before the adapters are trained
 * @param evalUsers test (and validation) users evaluated by the LLM methods (0: all kept users)
 * @param seeds one run of every trained method per seed
 * @param sasrecEpochs SASRec training epochs (early stopping on validation NDCG@10)
 * @param base the pre-training of the small base model (once per run, seed of the first seed)
 * @param finetune LoRA / iLoRA fine-tuning settings
 * @param methods the LLM methods (popularity and SASRec always run)
 */
public record RecPreset(
    String name,
    int maxUsers,
    int llmTrainPerUser,
    int pretrainPromptsPerUser,
    int evalUsers,
    List<Long> seeds,
    int sasrecEpochs,
    Base base,
    Finetune finetune,
    List<Method> methods) {

  /** The base model: a small Llama pre-trained on the training users' histories. */
  public record Base(
      int layers,
      int hidden,
      int heads,
      int kvHeads,
      int vocab,
      int maxLen,
      long steps,
      int batch,
      double lr) {}

  /** Fine-tuning of the adapters and the item projector (LLaRA / iLoRA defaults otherwise). */
  public record Finetune(
      long steps,
      int batch,
      double lr,
      int rank,
      double alpha,
      double dropout,
      int maxPrompt,
      int evalBatch) {}

  /**
   * An LLM recommender: LoRA of total rank r split into {@code experts} experts (1 = plain LoRA,
   * LLaRA), gated per sequence by {@code gate}.
   */
  public record Method(String name, int experts, GateType gate) {}

  public RecPreset {
    seeds = List.copyOf(seeds);
    methods = List.copyOf(methods);
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("preset " + name + ": no seeds");
    }
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
    return new RecPreset(
        "smoke",
        40,
        2,
        2,
        24,
        List.of(1L),
        3,
        new Base(2, 64, 4, 2, 1024, 640, 30, 8, 3e-3),
        new Finetune(12, 4, 1e-3, 8, 32, 0.1, 640, 8),
        List.of(allMethods().get(0), allMethods().get(2)));
  }

  /** The full comparison on MovieLens latest-small, 3 seeds, sized for about an hour on 2 cores. */
  public static RecPreset standard() {
    return new RecPreset(
        "standard",
        0,
        1,
        6,
        200,
        List.of(1L, 2L, 3L),
        40,
        new Base(4, 128, 4, 2, 4096, 512, 600, 8, 2e-3),
        new Finetune(60, 8, 2e-3, 8, 32, 0.1, 512, 16),
        allMethods());
  }

  /** A preset by name: smoke or standard. */
  public static RecPreset byName(String name) {
    return switch (name) {
      case "smoke" -> smoke();
      case "standard" -> standard();
      default ->
          throw new IllegalArgumentException(
              "--preset: '" + name + "' is not one of smoke, standard");
    };
  }
}
