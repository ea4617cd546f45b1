/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j inspect ...}: raw model outputs as JSON, for tests and debugging. */
@Command(
    name = "inspect",
    description = "Print raw model outputs as JSON.",
    mixinStandardHelpOptions = true,
    subcommands = {InspectCommand.Logits.class})
final class InspectCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "logits",
      mixinStandardHelpOptions = true,
      description = "Logits of a decoder for given token ids: the last position, or all positions.")
  static final class Logits implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(
        names = "--ids",
        required = true,
        split = ",",
        description = "Comma-separated token ids, e.g. 1,2,3.")
    long[] ids;

    @Option(names = "--all-positions", description = "Print [T][V] instead of the last [V].")
    boolean allPositions;

    @picocli.CommandLine.Mixin AdapterOption adapterOption;

    @Override
    public Integer call() throws Exception {
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel lm = LlamaModel.load(model, m);
          LoraModel lora = adapterOption.apply(lm, m)) {
        int v = lm.config().vocabSize();
        for (long id : ids) {
          if (id < 0 || id >= v) {
            throw new IllegalArgumentException(
                "--ids: token id " + id + " is outside the vocabulary [0, " + v + ")");
          }
        }
        NDArray logits = lm.logits(m.create(ids, new Shape(1, ids.length)), null); // [1, T, V]
        float[] flat = logits.toFloatArray();
        if (allPositions) {
          float[][] rows = new float[ids.length][];
          for (int t = 0; t < ids.length; t++) {
            rows[t] = Arrays.copyOfRange(flat, t * v, (t + 1) * v);
          }
          System.out.println(Json.write(rows));
        } else {
          System.out.println(Json.write(Arrays.copyOfRange(flat, flat.length - v, flat.length)));
        }
      }
      return 0;
    }
  }
}
