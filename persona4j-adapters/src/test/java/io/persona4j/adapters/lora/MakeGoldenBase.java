/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the tiny base checkpoint under {@code src/test/resources/golden/base} that the golden
 * adapter script ({@code make_golden.py}) and {@link GoldenAdapterTest} use. Run once; its output
 * is committed:
 *
 * <pre>java -cp ... io.persona4j.adapters.lora.MakeGoldenBase src/test/resources/golden/base</pre>
 */
final class MakeGoldenBase {
  private MakeGoldenBase() {}

  /** Llama with GQA (2 query heads, 1 KV head), q/k/v/o biases and tied embeddings. */
  static LlamaConfig config() {
    return new LlamaConfig(
        "llama",
        272,
        16,
        48,
        2,
        2,
        1,
        null,
        1e-5,
        10000.0,
        null,
        64,
        true,
        true,
        false,
        "silu",
        ModelInit.BOS,
        List.of(ModelInit.EOS),
        ModelInit.PAD,
        null,
        null,
        "float32",
        null);
  }

  public static void main(String[] args) throws IOException {
    ModelInit.write(config(), 20261122L, 0.2f, DType.F32, Path.of(args[0]));
  }
}
