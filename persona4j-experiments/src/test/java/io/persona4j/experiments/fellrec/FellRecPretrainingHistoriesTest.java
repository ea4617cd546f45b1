/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.experiments.common.DataSelection;
import io.persona4j.experiments.common.PreparedData;
import io.persona4j.rec.SharedData;
import io.persona4j.rec.data.CandidateExample;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The taste presets pre-train the base model on histories that end before the clients' fine-tuning
 * targets, so that fine-tuning has something new to learn; the standard presets keep the whole
 * training sequence (their recorded runs used it).
 */
class FellRecPretrainingHistoriesTest {
  @Test
  void tastesHoldsOutEveryFineTuningTargetFromTheBaseModelsHistories() throws Exception {
    FellRecPreset tastes = FellRecPreset.tastesSmoke();
    assertThat(tastes.baseHoldsOutFinetune()).isTrue();
    assertThat(FellRecPreset.tastes().baseHoldsOutFinetune()).isTrue();
    assertThat(FellRecPreset.standard().baseHoldsOutFinetune()).isFalse();
    PreparedData data =
        PreparedData.load(SharedData.data("movielens-small"), tastes.selection(), s -> {});
    int[][] full = data.trainSequences();
    int[][] held = FellRecExperiment.pretrainingHistories(data, tastes);
    int[][] kept =
        FellRecExperiment.pretrainingHistories(
            data, tastes.toBuilder().optBaseHoldsOutFinetune(false).build());
    Map<Integer, Integer> index = new HashMap<>();
    int[] users = data.users();
    for (int i = 0; i < users.length; i++) {
      index.put(users[i], i);
      assertThat(kept[i]).isEqualTo(full[i]);
      int drop = tastes.selection().llmTrainPerUser();
      assertThat(held[i]).isEqualTo(Arrays.copyOf(full[i], full[i].length - drop));
    }
    int checked = 0;
    for (CandidateExample c : data.trainLlm()) {
      int u = index.get(c.example().user());
      int target = c.example().target();
      assertThat(held[u]).as("user %d", c.example().user()).doesNotContain(target);
      assertThat(full[u]).contains(target);
      checked++;
    }
    assertThat(checked).isEqualTo(users.length * tastes.selection().llmTrainPerUser());
  }

  @Test
  void holdingOutNeedsAFiniteNumberOfFineTuningPositions() {
    assertThatThrownBy(
            () ->
                FellRecPreset.tastesSmoke().toBuilder()
                    .optSelection(DataSelection.builder().optLlmTrainPerUser(0).build())
                    .build())
        .hasMessageContaining("baseHoldsOutFinetune needs selection.llmTrainPerUser > 0");
  }
}
