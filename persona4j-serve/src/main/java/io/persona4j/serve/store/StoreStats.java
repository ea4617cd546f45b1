/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * Totals of a store.
 *
 * @param users users with at least one entry
 * @param entries stored versions (all users, kinds)
 * @param payloadBytes sum of the entries' payload sizes
 * @param storageBytes bytes the backend uses on disk for the store (SQLite: the database file and
 *     its write-ahead log; PostgreSQL: the store's tables with their indexes and TOAST)
 */
public record StoreStats(long users, long entries, long payloadBytes, long storageBytes) {}
