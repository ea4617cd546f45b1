/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The benchmark checkpoint: a Llama-shaped decoder with seeded random F32 weights, written once as
 * a Hugging Face directory (config.json, model.safetensors, tokenizer.json) that both engines load
 * with their own loaders.
 */
final class BenchCheckpoint {
  static final long SEED = 42;
  static final float STD = 0.02f;

  private BenchCheckpoint() {}

  /**
   * ~100M parameters: hidden 768, 12 layers, 12 query heads over 4 KV heads (head_dim 64), SwiGLU
   * 2048, vocabulary 32000, tied embeddings.
   */
  static LlamaConfig config() {
    return new LlamaConfig(
        "llama",
        32000,
        768,
        2048,
        12,
        12,
        4,
        null,
        1e-5,
        10000.0,
        null,
        2048,
        true,
        false,
        false,
        "silu",
        1,
        List.of(2),
        null,
        null,
        null,
        "float32",
        null);
  }

  /** Writes the checkpoint into {@code dir} ({@link ModelInit}) unless it is already there. */
  static Path ensure(Path dir, LlamaConfig config) throws IOException {
    Path marker = dir.resolve("bench-checkpoint.json");
    String want = ModelConfigs.toJson(config) + "\nseed=" + SEED + " std=" + STD + " F32";
    if (Files.isRegularFile(marker) && Files.readString(marker).equals(want)) {
      return dir;
    }
    System.err.printf(
        "bench: writing a %,d-parameter random F32 checkpoint to %s ...%n",
        config.parameterCount(), dir);
    long t0 = System.nanoTime();
    Files.createDirectories(dir);
    Files.deleteIfExists(marker);
    ModelInit.write(config, SEED, STD, DType.F32, dir);
    Files.writeString(marker, want);
    System.err.printf("bench: checkpoint written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return dir;
  }
}
