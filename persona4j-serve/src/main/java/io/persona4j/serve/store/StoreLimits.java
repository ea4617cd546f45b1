/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * Size limits on what a store accepts; everything above is refused at publish with the limit named.
 * Payloads are held in memory while they are published and read, so the limits also bound memory.
 *
 * @param maxFiles files per entry
 * @param maxFileBytes bytes per file
 * @param maxEntryBytes bytes per entry (all files)
 */
public record StoreLimits(int maxFiles, long maxFileBytes, long maxEntryBytes) {
  /** 64 files, 512 MiB per file and per entry. */
  public static final StoreLimits DEFAULT = new StoreLimits(64, 512L << 20, 512L << 20);

  /** The largest value a file may have: what one Java array holds. */
  static final long HARD_MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

  /**
   * @throws IllegalArgumentException naming the field for a value &lt; 1 or a file limit above what
   *     one Java array holds
   */
  public StoreLimits {
    if (maxFiles < 1) {
      throw new IllegalArgumentException("maxFiles = " + maxFiles + " must be >= 1");
    }
    if (maxFileBytes < 1 || maxFileBytes > HARD_MAX_FILE_BYTES) {
      throw new IllegalArgumentException(
          "maxFileBytes = " + maxFileBytes + " must be in [1, " + HARD_MAX_FILE_BYTES + "]");
    }
    if (maxEntryBytes < 1) {
      throw new IllegalArgumentException("maxEntryBytes = " + maxEntryBytes + " must be >= 1");
    }
  }
}
