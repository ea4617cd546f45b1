/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.lora.LoraModel;
import picocli.CommandLine.Option;

/** {@code --force}: load an adapter recorded as trained on another base model (a mixin). */
final class ForceOption {
  @Option(
      names = "--force",
      description =
          "Load the adapter even if it records a different base model than --model (with a"
              + " warning).")
  boolean force;

  /** {@code lora}, allowing a base-model mismatch if --force was given. */
  LoraModel apply(LoraModel lora) {
    return lora.setAllowBaseMismatch(force);
  }
}
