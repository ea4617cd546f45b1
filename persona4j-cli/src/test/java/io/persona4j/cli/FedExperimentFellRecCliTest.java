/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.experiments.fellrec.FellRecPreset;
import io.persona4j.experiments.fellrec.Method;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code persona4j fed experiment fellrec}: registration, overrides and option errors. */
class FedExperimentFellRecCliTest {
  @Test
  void isRegisteredAndAppliesOverridesToThePreset() {
    CliTest.Run help = CliTest.run("fed", "experiment", "fellrec", "--help");
    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out()).contains("--preset").contains("--rounds").contains("FELLREC");
    assertThat(help.out()).contains("FELLREC_SPLIT");

    FedExperimentFellRecCommand cmd = new FedExperimentFellRecCommand();
    new CommandLine(cmd).parseArgs("--preset", "standard", "--seeds", "2", "--rounds", "3");
    FellRecPreset p = cmd.resolve();
    assertThat(p.seeds()).containsExactly(1L, 2L);
    assertThat(p.rounds()).isEqualTo(3);
    assertThat(p.finetune().steps()).isEqualTo(FellRecPreset.standard().finetune().steps());

    FedExperimentFellRecCommand tastes = new FedExperimentFellRecCommand();
    new CommandLine(tastes).parseArgs("--preset", "tastes", "--seeds", "1");
    FellRecPreset t = tastes.resolve();
    assertThat(t.methods()).isEqualTo(FellRecPreset.WITH_ABLATIONS);
    assertThat(t.seeds()).containsExactly(1L);
    assertThat(t.noisyUsers()).isEqualTo(FellRecPreset.tastes().noisyUsers());
    assertThat(help.out()).contains("tastes-smoke").contains("FELLREC_NO_HEATING");

    FedExperimentFellRecCommand two = new FedExperimentFellRecCommand();
    new CommandLine(two).parseArgs("--methods", "FELLREC,FELLREC_SPLIT");
    assertThat(two.methods).containsExactly(Method.FELLREC, Method.FELLREC_SPLIT);

    CliTest.Run bad = CliTest.run("fed", "experiment", "fellrec", "--seeds", "0");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--seeds 0");
    CliTest.Run unknown = CliTest.run("fed", "experiment", "fellrec", "--preset", "huge");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err())
        .contains("'huge' is not one of smoke, standard, tastes, tastes-smoke");
  }
}
