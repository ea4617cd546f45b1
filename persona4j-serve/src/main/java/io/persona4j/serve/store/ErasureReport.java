/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * What {@link AdapterStore#deleteUser} removed, and what may remain on disk.
 *
 * @param userId the user
 * @param versionsDeleted entries removed (all kinds, all versions)
 * @param bytesDeleted payload bytes removed
 * @param physicallyPurged true when, as far as the backend can tell, the deleted bytes no longer
 *     exist in the store's own files (SQLite: overwritten with zeros by {@code secure_delete} and
 *     the write-ahead log truncated); false when they remain until later maintenance
 * @param residue what remains and how to remove it, in words (empty when nothing does)
 */
public record ErasureReport(
    String userId,
    int versionsDeleted,
    long bytesDeleted,
    boolean physicallyPurged,
    String residue) {}
