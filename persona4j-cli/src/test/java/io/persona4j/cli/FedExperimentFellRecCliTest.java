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

    FedExperimentFellRecCommand tuned = new FedExperimentFellRecCommand();
    new CommandLine(tuned)
        .parseArgs(
            "--preset", "tastes", "--lr", "0.03", "--local-steps", "16", "--temperature", "0.7");
    FellRecPreset u = tuned.resolve();
    assertThat(u.finetune().lr()).isEqualTo(0.03);
    assertThat(u.finetune().steps()).isEqualTo(16);
    assertThat(u.tunedTemperature()).isEqualTo(0.7);
    // FELLREC keeps the paper's temperature; only the tuned method takes the override
    assertThat(Method.FELLREC.fellrecConfig(u).temperature()).isEqualTo(0.05);
    assertThat(Method.FELLREC_TUNED_TEMPERATURE.fellrecConfig(u).temperature()).isEqualTo(0.7);
    assertThat(u.finetune().rank()).isEqualTo(FellRecPreset.tastes().finetune().rank());
    assertThat(help.out()).contains("--sweep").contains("--sweep-lr").contains("--temperature");
    for (String[] wrong :
        new String[][] {{"--lr", "0"}, {"--local-steps", "0"}, {"--temperature", "-1"}}) {
      CliTest.Run r = CliTest.run("fed", "experiment", "fellrec", wrong[0], wrong[1]);
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains(wrong[0] + " " + wrong[1]);
    }

    CliTest.Run bad = CliTest.run("fed", "experiment", "fellrec", "--seeds", "0");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--seeds 0");
    CliTest.Run unknown = CliTest.run("fed", "experiment", "fellrec", "--preset", "huge");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err())
        .contains("'huge' is not one of smoke, standard, tastes, tastes-smoke");
  }
}
