/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * The store's rule for user ids, public so that servers and command lines check untrusted ids (e.g.
 * OpenAI's {@code user} field) exactly as the store does: 1 to {@value #MAX_LENGTH} characters,
 * ASCII letters, digits and {@code . _ - @ + : =}.
 */
public final class UserIds {
  /** Longest user id. */
  public static final int MAX_LENGTH = StoreInputs.MAX_USER_ID;

  private UserIds() {}

  /**
   * Returns {@code userId} if it is valid.
   *
   * @throws IllegalArgumentException naming the value, the offending character and the rule
   */
  public static String check(String userId) {
    return StoreInputs.checkUserId(userId);
  }

  /** Whether {@code userId} is valid. */
  public static boolean isValid(String userId) {
    return StoreInputs.isUserId(userId);
  }
}
