/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/** An entry with its payload, whose content hash was verified when it was read. */
public record StoredAdapter(AdapterEntry entry, AdapterPayload payload) {
  /**
   * @throws IllegalArgumentException if either is null or the payload's hash is not the entry's
   */
  public StoredAdapter {
    if (entry == null || payload == null) {
      throw new IllegalArgumentException("entry and payload are required");
    }
    if (!entry.contentHash().equals(payload.contentHash())) {
      throw new IllegalArgumentException(
          entry.describe()
              + ": payload hash "
              + payload.contentHash()
              + " is not the entry's "
              + entry.contentHash());
    }
  }
}
