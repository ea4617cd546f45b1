/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.config.LlamaConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The benchmarks' shared model-shape options keep each command's own defaults. */
class ModelShapeOptionsTest {
  static ModelShapeOptions parse(Object command, String... args) {
    new CommandLine(command).parseArgs(args);
    return switch (command) {
      case DpSgdBenchCommand c -> c.shape;
      case FedBenchCommand c -> c.shape;
      case SplitBenchCommand c -> c.shape;
      case TrainBenchCommand c -> c.shape;
      case IloraBenchCommand c -> c.shape;
      default -> throw new AssertionError(command);
    };
  }

  @Test
  void eachCommandKeepsItsDefaultsAndTheOptionsOverrideThem() {
    assertThat(parse(new DpSgdBenchCommand()).describe())
        .containsEntry("layers", 4)
        .containsEntry("hidden", 256)
        .containsEntry("vocab", 4096);
    assertThat(parse(new FedBenchCommand()).describe()).containsEntry("layers", 4);
    assertThat(parse(new SplitBenchCommand()).describe())
        .containsEntry("layers", 8)
        .containsEntry("vocab", 1024);
    assertThat(parse(new TrainBenchCommand()).describe())
        .containsEntry("layers", 12)
        .containsEntry("heads", 12)
        .containsEntry("intermediate", 2048)
        .containsEntry("vocab", 32000);
    assertThat(parse(new IloraBenchCommand()).describe())
        .containsEntry("hidden", 128)
        .containsEntry("kv_heads", 2);

    ModelShapeOptions s =
        parse(new SplitBenchCommand(), "--layers", "2", "--hidden", "64", "--kv-heads", "2");
    LlamaConfig c = s.config(40);
    assertThat(c.numHiddenLayers()).isEqualTo(2);
    assertThat(c.hiddenSize()).isEqualTo(64);
    assertThat(c.numKeyValueHeads()).isEqualTo(2);
    assertThat(c.numAttentionHeads()).isEqualTo(8);
    assertThat(c.vocabSize()).isEqualTo(1024);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(40);
  }

  @Test
  void helpShowsThePerCommandDefault() {
    String dp = new CommandLine(new DpSgdBenchCommand()).getUsageMessage();
    String split = new CommandLine(new SplitBenchCommand()).getUsageMessage();
    assertThat(dp).contains("decoder layers (default 4)");
    assertThat(split).contains("decoder layers (default 8)");
  }
}
