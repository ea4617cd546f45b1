/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.sharing;

/**
 * One Shamir share: the evaluation point {@code x} (1-based holder index) and the values of one
 * polynomial per shared secret at {@code x}.
 */
public record Share(int x, long[] y) {
  /** Validates the point and copies the values. */
  public Share {
    if (x < 1) {
      throw new IllegalArgumentException("share x must be >= 1, got " + x);
    }
    if (y == null || y.length == 0) {
      throw new IllegalArgumentException("share y must be non-empty");
    }
    y = y.clone();
  }

  /** A copy of the values. */
  @Override
  public long[] y() {
    return y.clone();
  }
}
