/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Default data sets and docs resolve against the installation, never the current directory. */
class InstallationTest {
  @TempDir Path tmp;

  @Test
  void theInstallationIsTheCheckoutTheCodeRunsFrom() {
    Path home = Installation.home().orElseThrow();
    assertThat(home.resolve("persona4j-cli/pom.xml")).isRegularFile();
    assertThat(home).isEqualTo(Path.of("..").toAbsolutePath().normalize());
    String before = System.getProperty("persona4j.home");
    try {
      System.setProperty("persona4j.home", tmp.toString());
      assertThat(Installation.home()).contains(tmp);
      assertThat(Installation.docs()).isEqualTo(tmp.resolve("docs"));
    } finally {
      if (before == null) {
        System.clearProperty("persona4j.home");
      } else {
        System.setProperty("persona4j.home", before);
      }
    }
  }

  @Test
  void theDataEnvironmentVariableComesFirstAndErrorsListEveryPathTried() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data/movielens-small"));
    assertThat(
            Installation.dataSet(
                "--data",
                null,
                "movielens-small",
                Map.of("PERSONA4J_DATA", data.getParent().toString())))
        .isEqualTo(data);
    // a data set nobody has: the error says which flag, which name and every place looked at
    assertThatThrownBy(
            () ->
                Installation.dataSet(
                    "--data", null, "no-such-set", Map.of("PERSONA4J_DATA", tmp.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no --data given and the default data set 'no-such-set'")
        .hasMessageContaining(tmp.resolve("no-such-set") + " (PERSONA4J_DATA)")
        .hasMessageContaining("beside the installation " + Installation.home().orElseThrow())
        .hasMessageContaining("beside the current directory")
        .hasMessageNotContaining("beside the checkout");
    // without the variable, the installation's ../shared/data is found whatever the directory
    Path shared = Installation.home().orElseThrow().resolveSibling("shared/data/movielens-small");
    assertThat(Installation.dataSet("--data", null, "movielens-small", Map.of()))
        .isEqualTo(shared.normalize());
    assertThatThrownBy(() -> Installation.dataSet("--data", tmp.resolve("nope"), "x", Map.of()))
        .hasMessageContaining("--data " + tmp.resolve("nope") + ": no such directory");
  }

  @Test
  void experimentsWriteUnderOutAndTouchDocsOnlyWhenAsked() {
    RecCommand.Experiment plain = new RecCommand.Experiment();
    new CommandLine(plain).parseArgs("--preset", "smoke");
    RecCommand.Experiment.Outputs o = plain.outputs();
    assertThat(o.dir()).isEqualTo(Path.of("target", "rec-smoke"));
    assertThat(o.json()).startsWithRaw(o.dir());
    assertThat(o.chart()).startsWithRaw(o.dir());
    assertThat(o.markdown()).startsWithRaw(o.dir());
    assertThat(o.docsMarkdown()).isNull();
    assertThat(o.docsChart()).isNull();

    RecCommand.Experiment docs = new RecCommand.Experiment();
    new CommandLine(docs).parseArgs("--preset", "smoke", "--out", tmp.toString(), "--update-docs");
    String before = System.getProperty("persona4j.home");
    try {
      System.setProperty("persona4j.home", tmp.resolve("checkout").toString());
      RecCommand.Experiment.Outputs d = docs.outputs();
      assertThat(d.dir()).isEqualTo(tmp);
      assertThat(d.docsMarkdown()).isEqualTo(tmp.resolve("checkout/docs/RESULTS.md"));
      assertThat(d.docsChart()).isEqualTo(tmp.resolve("checkout/docs/rec-smoke.png"));
    } finally {
      if (before == null) {
        System.clearProperty("persona4j.home");
      } else {
        System.setProperty("persona4j.home", before);
      }
    }
  }
}
