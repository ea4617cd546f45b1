/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import picocli.CommandLine.Command;

/**
 * {@code persona4j steer ...}: CoSteer, decoding-time personalization by a small on-device model;
 * the cloud logits service, steered generation and the experiment.
 */
@Command(
    name = "steer",
    mixinStandardHelpOptions = true,
    description =
        "CoSteer: a cloud model's tokens steered on the device by a small model that reads the"
            + " user's private context; only the query and the chosen tokens reach the cloud.",
    subcommands = {
      SteerCloudCommand.class,
      SteerGenerateCommand.class,
      SteerExperimentCommand.class
    })
final class SteerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
