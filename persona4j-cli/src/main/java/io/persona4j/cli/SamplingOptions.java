/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.generate.SamplingConfig;
import java.util.Set;
import picocli.CommandLine.Option;

/** Generation options shared by commands that generate text. */
final class SamplingOptions {
  @ValidatedAs("maxNewTokens")
  @Option(
      names = "--max-tokens",
      defaultValue = "64",
      description = "New tokens at most (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @ValidatedAs("temperature")
  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 = greedy (default ${DEFAULT-VALUE}).")
  float temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description = "Keep the k most likely tokens; 0 = all.")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1",
      description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
  float topP;

  @Option(names = "--repetition-penalty", defaultValue = "1", description = ">= 1; 1 disables it.")
  float repetitionPenalty;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Sampling seed (default ${DEFAULT-VALUE}).")
  long seed;

  SamplingConfig toConfig(Set<Long> stopTokens) {
    return new SamplingConfig(
        maxTokens, temperature, topK, topP, repetitionPenalty, stopTokens, seed);
  }
}
