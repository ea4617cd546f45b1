/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

/** How a LLaRA prompt represents items. */
public enum PromptMode {
  /** Items as their titles only (or titles plus an unreplaced suffix token, LLaRA code's [PH]). */
  TEXT,
  /**
   * Each item as its title followed by a placeholder token whose input embedding is replaced by the
   * projected item vector.
   */
  HYBRID
}
