/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

/**
 * Configuration of a soft prompt: {@code numVirtualTokens} learnable rows of width {@code tokenDim}
 * (the encoder's hidden size) prepended to the input word embeddings, as PEFT's prompt tuning does.
 *
 * @param numVirtualTokens number of prompt rows, {@code >= 0} (0 means no prompt)
 * @param tokenDim width of each row, the encoder's hidden size, {@code >= 1}
 * @param init how the global part P_G is initialized; the local part P_L always starts at zero
 * @param initStd standard deviation of {@link Init#RANDOM}, finite and {@code >= 0}
 */
public record SoftPromptConfig(int numVirtualTokens, int tokenDim, Init init, double initStd) {

  /** Initialization of the prompt rows. */
  public enum Init {
    /** N(0, initStd^2) from a seeded generator (PEFT's {@code RANDOM}). */
    RANDOM,
    /** All zeros. */
    ZEROS
  }

  /** Validates every field, naming it and its value. */
  public SoftPromptConfig {
    if (numVirtualTokens < 0) {
      throw new IllegalArgumentException("numVirtualTokens must be >= 0, got " + numVirtualTokens);
    }
    if (tokenDim < 1) {
      throw new IllegalArgumentException("tokenDim must be >= 1, got " + tokenDim);
    }
    if (init == null) {
      throw new IllegalArgumentException("init must be RANDOM or ZEROS, got null");
    }
    if (!(initStd >= 0) || Double.isInfinite(initStd)) {
      throw new IllegalArgumentException("initStd must be finite and >= 0, got " + initStd);
    }
  }

  /** A config with {@link Init#RANDOM} rows of standard deviation 0.02. */
  public static SoftPromptConfig random(int numVirtualTokens, int tokenDim) {
    return new SoftPromptConfig(numVirtualTokens, tokenDim, Init.RANDOM, 0.02);
  }

  /** Number of values of one prompt part, {@code numVirtualTokens * tokenDim}. */
  public int size() {
    return numVirtualTokens * tokenDim;
  }
}
