package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.experiments.rec.RecPreset;
import io.persona4j.federated.strategy.FellRec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presets by name and the validation of their fields. */
class FellRecPresetTest {
  static FellRecPreset with(int clientLayers, int rounds, double lr) {
    return new FellRecPreset(
        "x",
        0,
        0,
        0,
        0,
        5,
        List.of(1L),
        1,
        new RecPreset.Base(4, 32, 4, 2, 64, 64, 1, 1, 1e-3),
        rounds,
        1,
        1,
        lr,
        4,
        8,
        0,
        64,
        clientLayers,
        0,
        FellRec.Config.defaults(),
        4,
        4);
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
