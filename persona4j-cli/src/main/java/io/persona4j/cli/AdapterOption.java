/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --adapter DIR}: a PEFT LoRA adapter applied to the model before it runs (a mixin). */
final class AdapterOption {
  @Option(
      names = "--adapter",
      description = "PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors).")
  Path adapter;

  @Mixin ForceOption force;

  /**
   * Loads and activates the adapter on {@code lm}, or returns null without {@code --adapter}. The
   * caller closes the result before the model.
   *
   * @throws IOException naming the adapter directory, and the file and tensor from the loader, if
   *     the adapter does not fit the model
   */
  LoraModel apply(LlamaModel lm, NDManager m) throws IOException {
    if (adapter == null) {
      return null;
    }
    LoraModel lora = force.apply(LoraModel.of(lm, m));
    try {
      lora.load(adapter, LoraFineTune.ADAPTER);
      lora.activate(LoraFineTune.ADAPTER);
      return lora;
    } catch (IOException | RuntimeException e) {
      lora.close();
      throw new IOException("--adapter " + adapter + ": " + CliErrors.plain(e), e);
    }
  }
}
