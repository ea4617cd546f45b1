/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import picocli.CommandLine.Command;

/** {@code persona4j fed experiment ...}: the federated experiments (FELLRec, SecFPP). */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = "Run a federated experiment end to end and write its results.",
    subcommands = {
      FedExperimentFellRecCommand.class,
      FedSecFppCommand.class,
      FedSecFppSweepCommand.class,
      FedSecFppProbeCommand.class
    })
final class FedExperimentCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
