/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

/** Why an interaction row was left out of an {@link InteractionDataset}. */
public enum DropReason {
  /** The item's title is empty or blank: it could not be shown in a prompt. */
  EMPTY_TITLE("empty title"),
  /** The item id is not in the items file. */
  UNKNOWN_ITEM("unknown item"),
  /**
   * The same (user, item) pair occurred earlier: the earliest by timestamp (ties: the first in file
   * order) is kept, the later ones dropped, so that an item appears at most once in a user's
   * sequence.
   */
  DUPLICATE("duplicate (user, item)");

  private final String label;

  DropReason(String label) {
    this.label = label;
  }

  /** Human-readable name, used in {@link DatasetSummary#toString()}. */
  public String label() {
    return label;
  }
}
