/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.RopeScaling;
import java.util.List;

/** Small decoder configs covering the supported families' options. */
public final class TinyConfigs {
  private TinyConfigs() {}

  /** Llama with grouped-query attention (4 query heads share 2 KV heads), untied head. */
  public static LlamaConfig llamaGqa() {
    return new LlamaConfig(
        "llama",
        97,
        32,
        48,
        2,
        4,
        2,
        null,
        1e-5,
        10000.0,
        null,
        64,
        false,
        false,
        false,
        "silu",
        1,
        List.of(2),
        null,
        null,
        null,
        null,
        null);
  }

  /** Qwen2: q/k/v biases, tied embeddings, rope_theta 1e6. */
  public static LlamaConfig qwen2() {
    return new LlamaConfig(
        "qwen2",
        101,
        32,
        40,
        2,
        4,
        2,
        null,
        1e-6,
        1_000_000.0,
        null,
        64,
        true,
        null,
        false,
        "silu",
        1,
        List.of(2),
        null,
        null,
        false,
        null,
        null);
  }

  /** Llama 3.1/3.2-style rope scaling with multi-query attention and explicit head_dim. */
  public static LlamaConfig llama3Scaled() {
    return new LlamaConfig(
        "llama",
        89,
        24,
        40,
        2,
        3,
        1,
        16,
        1e-5,
        500000.0,
        RopeScaling.llama3(8.0, 1.0, 4.0, 16),
        64,
        true,
        false,
        false,
        "silu",
        1,
        List.of(2, 3),
        null,
        null,
        null,
        null,
        null);
  }

  /** Mistral-like: sliding-window attention smaller than the test sequences. */
  public static LlamaConfig mistralWindow() {
    return new LlamaConfig(
        "mistral",
        83,
        32,
        48,
        2,
        4,
        4,
        null,
        1e-5,
        10000.0,
        null,
        64,
        false,
        false,
        false,
        "silu",
        1,
        List.of(2),
        null,
        5,
        null,
        null,
        null);
  }

  public static List<LlamaConfig> all() {
    return List.of(llamaGqa(), qwen2(), llama3Scaled(), mistralWindow());
  }
}
