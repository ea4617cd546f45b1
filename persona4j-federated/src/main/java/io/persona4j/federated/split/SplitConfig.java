/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

/**
 * Which decoder layers each party of a split model runs.
 *
 * <p>The client runs layers {@code [0, frontLayers)} (after the token embedding it keeps) and
 * {@code [numLayers - tailLayers, numLayers)} followed by the final norm and the LM head; the
 * server runs the middle layers {@code [frontLayers, numLayers - tailLayers)}. {@code frontLayers =
 * 0} means no split: the client trains the whole model locally and the server runs nothing (sending
 * the embeddings of the tokens would reveal them).
 *
 * @param numLayers decoder layers of the model, {@code >= 1}
 * @param frontLayers layers at the front on the client (k), {@code >= 0}
 * @param tailLayers layers at the end on the client, {@code >= 0}; with a split, {@code frontLayers
 *     + tailLayers < numLayers} so the server keeps at least one layer
 */
public record SplitConfig(int numLayers, int frontLayers, int tailLayers) {

  /** Validates the layer counts; errors name the field and its value. */
  public SplitConfig {
    if (numLayers < 1) {
      throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
    }
    if (frontLayers < 0) {
      throw new IllegalArgumentException("frontLayers (k) must be >= 0, got " + frontLayers);
    }
    if (tailLayers < 0) {
      throw new IllegalArgumentException("tailLayers must be >= 0, got " + tailLayers);
    }
    if (frontLayers > 0 && frontLayers + tailLayers >= numLayers) {
      throw new IllegalArgumentException(
          "frontLayers (k) "
              + frontLayers
              + " + tailLayers "
              + tailLayers
              + " must be < numLayers "
              + numLayers
              + " so that the server keeps at least one layer");
    }
    if (tailLayers > numLayers) {
      throw new IllegalArgumentException(
          "tailLayers " + tailLayers + " exceeds numLayers " + numLayers);
    }
  }

  /** A split with {@code k} front layers and one tail layer (FELLRec's layout). */
  public static SplitConfig of(int numLayers, int k) {
    return new SplitConfig(numLayers, k, k == 0 ? 0 : 1);
  }

  /** No split: the client trains every layer locally. */
  public static SplitConfig none(int numLayers) {
    return new SplitConfig(numLayers, 0, 0);
  }

  /** Whether the server runs any layer. */
  public boolean isSplit() {
    return frontLayers > 0;
  }

  /** First layer of the server's range (= k). */
  public int serverFrom() {
    return frontLayers;
  }

  /** End (exclusive) of the server's range, the first tail layer. */
  public int serverTo() {
    return isSplit() ? numLayers - tailLayers : frontLayers;
  }

  /** Whether the client runs (and trains) layer {@code layer}. */
  public boolean clientOwns(int layer) {
    return !isSplit() || layer < frontLayers || layer >= numLayers - tailLayers;
  }
}
