/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.kernel.WeightPrecision;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** {@code --weights f32|bf16|int8}: the precision decode steps stream the weights in. */
final class WeightsOption {
  @Option(
      names = "--weights",
      paramLabel = "f32|bf16|int8",
      converter = Converter.class,
      description =
          "Precision of the weights for decoding (default f32). bf16 and int8 (one scale per"
              + " output channel) are packed at load time and decoded by a Java Vector API kernel,"
              + " streaming 2 or 1 bytes per weight instead of 4; prefill uses the same rounded"
              + " weights on PyTorch.")
  WeightPrecision weights = WeightPrecision.F32;

  /** Parses with the valid values in the error. */
  static final class Converter implements ITypeConverter<WeightPrecision> {
    @Override
    public WeightPrecision convert(String value) {
      return WeightPrecision.parse(value);
    }
  }
}
