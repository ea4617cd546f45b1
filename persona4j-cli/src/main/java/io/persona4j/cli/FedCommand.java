/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import picocli.CommandLine.Command;

/**
 * {@code persona4j fed ...}: federated training (server, client, in-process simulation) and the
 * federated experiments.
 */
@Command(
    name = "fed",
    mixinStandardHelpOptions = true,
    description = "Federated personalization: server, clients, simulation and experiments.",
    subcommands = {
      FedServerCommand.class,
      FedClientCommand.class,
      FedSimulateCommand.class,
      FedExperimentCommand.class
    })
final class FedCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
