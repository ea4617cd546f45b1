/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.experiments.common.BaseModelPreset;
import io.persona4j.experiments.common.DataSelection;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.federated.strategy.FellRec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presets by name and the validation of their fields. */
class FellRecPresetTest {
  static FellRecPreset with(int clientLayers, int rounds, double lr) {
    return FellRecPreset.builder()
        .setName("x")
        .optSelection(DataSelection.ALL)
        .optEvalUsersPerClient(0)
        .optClients(5)
        .optSeeds(List.of(1L))
        .optSasrecEpochs(1)
        .setBase(
            BaseModelPreset.builder()
                .setLayers(4)
                .setHidden(32)
                .optHeads(4)
                .optKvHeads(2)
                .setVocab(64)
                .optMaxLen(64)
                .setSteps(1)
                .optBatch(1)
                .optLr(1e-3)
                .build())
        .optRounds(rounds)
        .setFinetune(
            FinetunePreset.builder()
                .setSteps(1)
                .optBatch(1)
                .optLr(lr)
                .optRank(4)
                .optAlpha(8)
                .optDropout(0)
                .optMaxPrompt(64)
                .optEvalBatch(4)
                .build())
        .optClientLayers(clientLayers)
        .optProxMu(0)
        .optFellrec(FellRec.Config.defaults())
        .optMaxNewTokens(4)
        .build();
  }

  @Test
  void presetsByName() {
    assertThat(FellRecPreset.byName("smoke").seeds()).containsExactly(1L);
    assertThat(FellRecPreset.byName("standard").seeds()).containsExactly(1L, 2L, 3L);
    assertThat(FellRecPreset.byName("standard").clients()).isEqualTo(5);
    assertThatThrownBy(() -> FellRecPreset.byName("huge"))
        .hasMessageContaining("--preset: 'huge' is not one of smoke, standard");
  }

  @Test
  void tastePresetsGroupByGenreWithANoisyClientAndTheAblations() {
    for (FellRecPreset p :
        List.of(FellRecPreset.byName("tastes"), FellRecPreset.byName("tastes-smoke"))) {
      assertThat(p.grouping()).isEqualTo(FellRecPreset.Grouping.GENRE_KMEANS);
      assertThat(p.noisyUsers()).isPositive();
      assertThat(p.selectCheckpoint()).isTrue();
      assertThat(p.methods())
          .contains(
              Method.FELLREC,
              Method.FELLREC_NO_HEATING,
              Method.FELLREC_B5,
              Method.FELLREC_NO_SIMILARITY,
              Method.LOCAL_ONLY,
              Method.FEDAVG,
              Method.FEDPROX,
              Method.CENTRALIZED);
    }
    assertThat(FellRecPreset.tastes().seeds()).hasSize(3);
    // chosen on validation data (docs/RESULTS.md, FELLRec where clients differ)
    assertThat(FellRecPreset.tastes().finetune().lr()).isEqualTo(3e-3);
    assertThat(FellRecPreset.tastes().finetune().steps()).isEqualTo(4);
    assertThat(FellRecPreset.tastes().tunedTemperature()).isEqualTo(0.2);
    assertThat(FellRecPreset.tastes().fellrec()).isEqualTo(FellRec.Config.defaults());
    // the original presets keep their methods and last-round evaluation
    assertThat(FellRecPreset.standard().methods()).isEqualTo(FellRecPreset.CLASSIC);
    assertThat(FellRecPreset.standard().selectCheckpoint()).isFalse();
    assertThatThrownBy(() -> FellRecPreset.smoke().toBuilder().optNoisyUsers(5).build())
        .hasMessageContaining("noisyUsers 5 needs grouping GENRE_KMEANS");
    assertThatThrownBy(() -> FellRecPreset.smoke().toBuilder().optMethods(List.of()).build())
        .hasMessageContaining("methods must not be empty");
  }

  @Test
  void ablationConfigsChangeOneSwitchOfThePresets() {
    FellRec.Config base = FellRec.Config.defaults();
    assertThat(Method.FELLREC.fellrecConfig(base)).isEqualTo(base);
    assertThat(Method.FELLREC_NO_HEATING.fellrecConfig(base))
        .isEqualTo(base.toBuilder().optHeating(false).build());
    assertThat(Method.FELLREC_B5.fellrecConfig(base)).isEqualTo(base.toBuilder().optB(5).build());
    assertThat(Method.FELLREC_NO_SIMILARITY.fellrecConfig(base))
        .isEqualTo(base.toBuilder().optSimilarity(false).build());
    assertThatThrownBy(() -> Method.FEDAVG.fellrecConfig(base))
        .hasMessageContaining("FEDAVG is not a FELLRec method");
    assertThat(Method.FELLREC_B5.fellrecVariant()).isTrue();
    assertThat(Method.FELLREC_SPLIT.fellrecVariant()).isFalse();
  }

  @Test
  void theTunedTemperatureMethodTakesThePresetsTemperatureAndFellrecKeepsThePapers() {
    FellRecPreset p = FellRecPreset.tastes().toBuilder().optTunedTemperature(0.3).build();
    assertThat(Method.FELLREC_TUNED_TEMPERATURE.fellrecConfig(p))
        .isEqualTo(FellRec.Config.defaults().toBuilder().optTemperature(0.3).build());
    assertThat(Method.FELLREC.fellrecConfig(p)).isEqualTo(FellRec.Config.defaults());
    assertThat(Method.FELLREC_B5.fellrecConfig(p))
        .isEqualTo(FellRec.Config.defaults().toBuilder().optB(5).build());
    assertThat(Method.FELLREC_TUNED_TEMPERATURE.fellrecVariant()).isTrue();
    assertThatThrownBy(
            () -> Method.FELLREC_TUNED_TEMPERATURE.fellrecConfig(FellRec.Config.defaults()))
        .hasMessageContaining("tuned temperature");
    assertThat(FellRecPreset.tastes().methods()).contains(Method.FELLREC_TUNED_TEMPERATURE);
    assertThat(p.toBuilder().build()).isEqualTo(p);
    assertThatThrownBy(() -> p.toBuilder().optTunedTemperature(0).build())
        .hasMessageContaining("tunedTemperature must be finite and > 0, got 0.0");
  }

  @Test
  void aPresetChangedThroughItsBuilderKeepsEveryOtherField() {
    FellRecPreset smoke = FellRecPreset.smoke();
    FellRecPreset longer = smoke.toBuilder().optRounds(7).build();
    assertThat(longer.rounds()).isEqualTo(7);
    assertThat(longer.toBuilder().optRounds(smoke.rounds()).build()).isEqualTo(smoke);
    assertThat(smoke.base().layers()).isEqualTo(3);
    assertThat(smoke.selection().maxUsers()).isEqualTo(40);
    assertThatThrownBy(() -> FellRecPreset.builder().setName("x").build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("base");
  }

  @Test
  void errorsNameTheFieldAndValue() {
    assertThat(with(2, 1, 1e-3).clientLayers()).isEqualTo(2);
    assertThatThrownBy(() -> with(3, 1, 1e-3))
        .hasMessageContaining("clientLayers")
        .hasMessageContaining("3 + the last layer of 4 layers");
    assertThatThrownBy(() -> with(0, 0, 1e-3)).hasMessageContaining("rounds must be >= 1, got 0");
    assertThatThrownBy(() -> with(0, 1, Double.NaN))
        .hasMessageContaining("lr must be finite and > 0, got NaN");
  }
}
