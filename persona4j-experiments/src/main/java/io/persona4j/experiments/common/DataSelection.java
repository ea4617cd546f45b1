/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
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

  /** A builder; every field is optional (default: all users and positions). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these values. */
  public Builder toBuilder() {
    return builder()
        .optMaxUsers(maxUsers)
        .optLlmTrainPerUser(llmTrainPerUser)
        .optPretrainPromptsPerUser(pretrainPromptsPerUser);
  }

  /** Builds a {@link DataSelection}; {@code optX} only. */
  public static final class Builder {
    private int maxUsers;
    private int llmTrainPerUser;
    private int pretrainPromptsPerUser;

    private Builder() {}

    /** Seeded sample of users, 0 for all (default 0). */
    public Builder optMaxUsers(int maxUsers) {
      this.maxUsers = maxUsers;
      return this;
    }

    /** Newest training positions per user for the LLM, 0 for all (default 0). */
    public Builder optLlmTrainPerUser(int llmTrainPerUser) {
      this.llmTrainPerUser = llmTrainPerUser;
      return this;
    }

    /** Older positions per user whose prompts join the pre-training corpus (default 0). */
    public Builder optPretrainPromptsPerUser(int pretrainPromptsPerUser) {
      this.pretrainPromptsPerUser = pretrainPromptsPerUser;
      return this;
    }

    /** The validated selection. */
    public DataSelection build() {
      return new DataSelection(maxUsers, llmTrainPerUser, pretrainPromptsPerUser);
    }
  }
}
