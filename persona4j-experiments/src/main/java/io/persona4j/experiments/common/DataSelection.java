package io.persona4j.experiments.common;

/**
 * Which users and training positions an experiment uses ({@link PreparedData}), the same for the
 * rec and the FELLRec experiments.
 *
 * @param maxUsers a seeded sample of users (0: all), {@code >= 0}
 * @param llmTrainPerUser most recent training positions per user for the LLM training (0: all),
 *     {@code >= 0}
 * @param pretrainPromptsPerUser older training positions per user whose prompts (with answers) join
 *     the base model's pre-training corpus, {@code >= 0}
 */
public record DataSelection(int maxUsers, int llmTrainPerUser, int pretrainPromptsPerUser) {

  /** Every user and position, no prompts in the pre-training corpus. */
  public static final DataSelection ALL = new DataSelection(0, 0, 0);

  /** Validates the fields, naming the bad one. */
  public DataSelection {
    Presets.atLeast("maxUsers", maxUsers, 0);
    Presets.atLeast("llmTrainPerUser", llmTrainPerUser, 0);
    Presets.atLeast("pretrainPromptsPerUser", pretrainPromptsPerUser, 0);
  }
}
