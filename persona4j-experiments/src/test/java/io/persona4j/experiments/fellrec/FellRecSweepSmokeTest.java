/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.persona4j.federated.strategy.FellRec;
import io.persona4j.rec.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validation sweep at smoke size on MovieLens: a negligible learning rate leaves the base
 * model's ranking untouched (no validation user's top candidate changes), the chosen point is the
 * grid's validation minimum, and the temperature points carry the heating weights the strategy
 * computed from the reported losses.
 */
class FellRecSweepSmokeTest {
  @TempDir Path work;

  @Test
  void sweepChoosesOnValidationAndAnUntrainedAdapterKeepsTheBaseRanking() throws Exception {
    FellRecPreset preset = FellRecPreset.tastesSmoke().toBuilder().optRounds(2).build();
    FellRecSweep.Result r =
        FellRecSweep.run(
            preset,
            SharedData.data("movielens-small"),
            null,
            work.resolve("work"),
            List.of(1e-9, 5e-2),
            List.of(2),
            List.of(Method.FEDAVG),
            List.of(0.05, 5.0),
            s -> {});
    assertThat(r.grid()).hasSize(2);
    FellRecSweep.Point tiny = r.grid().get(0);
    FellRecSweep.Point big = r.grid().get(1);
    assertThat(tiny.changedTop1()).isZero();
    assertThat(tiny.validHr1()).isEqualTo(r.baseValidHr1());
    // an adapter that did not move has the base model's validation loss
    assertThat(tiny.validLoss()[0]).isCloseTo(r.baseValidLoss(), within(1e-5));
    assertThat(r.chosenLr()).isEqualTo(tiny.bestLoss() <= big.bestLoss() ? 1e-9 : 5e-2);
    assertThat(r.chosenSteps()).isEqualTo(2);
    for (FellRecSweep.Point p : r.grid()) {
      assertThat(p.validLoss()).hasSize(2);
      assertThat(p.bestLoss()).isEqualTo(Math.min(p.validLoss()[0], p.validLoss()[1]));
      assertThat(p.heating()).isEmpty();
      assertThat(p.saturated()).isTrue();
    }
    assertThat(r.temperatures()).hasSize(2);
    for (FellRecSweep.Point p : r.temperatures()) {
      assertThat(p.method()).isEqualTo(Method.FELLREC_TUNED_TEMPERATURE);
      assertThat(p.lr()).isEqualTo(r.chosenLr());
      assertThat(p.heating()).hasNumberOfRows(2);
      assertThat(p.heating()[0]).hasSize(r.clientIds().size());
      assertThat(p.similarityRange()).hasNumberOfRows(2);
      assertThat(p.similarityRange()[0][0])
          .isBetween(0.0, 1.0)
          .isLessThanOrEqualTo(p.similarityRange()[0][1]);
    }
    // chosen temperature: a non-saturating one with the lowest loss, or none
    FellRecSweep.Point best = null;
    for (FellRecSweep.Point p : r.temperatures()) {
      if (!p.saturated() && (best == null || p.bestLoss() < best.bestLoss())) {
        best = p;
      }
    }
    if (best == null) {
      assertThat(r.chosenTemperature()).isNaN();
    } else {
      assertThat(r.chosenTemperature()).isEqualTo(best.temperature());
    }
    Path md = FellRecSweepReport.write(r, "sweep", work.resolve("out"));
    assertThat(Files.readString(md)).contains("Chosen").contains("| FedAvg-LoRA | 1.0E-9 | 2 |");
    assertThat(Files.readString(work.resolve("out").resolve("sweep.json")))
        .contains("\"chosenLr\"")
        .contains("\"heating\"");
  }

  @Test
  void saturationFollowsTheHeatingWeights() {
    FellRecSweep.Point flat = point(new double[][] {{1.0, 0.604}, {1.0, 0.604}});
    FellRecSweep.Point heats = point(new double[][] {{1.0, 0.73}, {1.0, 0.85}});
    FellRecSweep.Point cold = point(new double[][] {{1.0, 0.995}, {1.0, 1.0}});
    assertThat(flat.saturated()).isTrue();
    assertThat(heats.saturated()).isFalse();
    assertThat(cold.saturated()).isTrue();
    // the weights the tastes run's round-1 losses give at temperature 0.05 never move
    double[] l = {2.239, 2.836, 2.555, 2.672, 2.099, 3.898};
    double[][] w = new double[3][];
    for (int e = 0; e < 3; e++) {
      w[e] = FellRec.heating(l, e, FellRec.Config.defaults());
    }
    assertThat(point(w).saturated()).isTrue();
  }

  private static FellRecSweep.Point point(double[][] heating) {
    return new FellRecSweep.Point(
        Method.FELLREC,
        1e-2,
        4,
        0.05,
        new double[] {1.0},
        1,
        0.2,
        0.0,
        heating,
        new double[0][],
        1.0);
  }
}
