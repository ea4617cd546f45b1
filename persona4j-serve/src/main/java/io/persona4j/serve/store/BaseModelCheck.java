/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/** How an entry was tied to its base model when it was published. */
public enum BaseModelCheck {
  /** The entry's files record a base-model fingerprint equal to the publishing base's. */
  FINGERPRINT,
  /**
   * The entry's files record no fingerprint (e.g. written by Python PEFT); every tensor's shape
   * fits the publishing base, whose fingerprint the entry carries from then on. Accepted with a
   * warning: same shapes do not prove the same weights.
   */
  SHAPES
}
