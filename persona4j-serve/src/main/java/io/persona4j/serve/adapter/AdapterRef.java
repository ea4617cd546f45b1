/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import java.util.Objects;

/**
 * One published version of a user's adapter, as the server sees it: enough to name it, cache it and
 * fetch its files.
 *
 * @param user the user id
 * @param version the version number (increasing per user)
 * @param contentHash a hash of the adapter's bytes (informative; the source verifies it on read)
 * @param sizeBytes the adapter's stored size in bytes
 */
public record AdapterRef(String user, long version, String contentHash, long sizeBytes) {
  public AdapterRef {
    Objects.requireNonNull(user, "user");
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, got " + version);
    }
  }

  /** {@code user@version}: how responses and logs name it. */
  public String label() {
    return user + "@" + version;
  }
}
