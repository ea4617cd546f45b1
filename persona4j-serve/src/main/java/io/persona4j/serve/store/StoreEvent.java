/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * A change of what is active, delivered to {@link StoreListener}s of every process on the store
 * (SQLite: by polling; PostgreSQL: by LISTEN/NOTIFY), in commit order.
 *
 * @param sequence the change's number, increasing in commit order
 * @param type what happened
 * @param userId the user, or null for {@link Type#ERASED} and {@link Type#RESYNC}
 * @param kind the kind, or null for {@link Type#ERASED} and {@link Type#RESYNC}
 * @param version the now active version, or 0 for {@link Type#ERASED} and {@link Type#RESYNC}
 */
public record StoreEvent(long sequence, Type type, String userId, AdapterKind kind, long version) {
  /** What happened. */
  public enum Type {
    /** A version was published and made active. */
    PUBLISHED,
    /** A user's active version was set back to an earlier one. */
    ROLLED_BACK,
    /**
     * A user was erased. The event does not say who (the store keeps no trace of an erased user):
     * re-check the users you hold with {@link AdapterStore#activeEntries(java.util.Collection)}.
     */
    ERASED,
    /**
     * Changes were missed (the listener fell behind the store's change log, which keeps the last
     * 10,000): anything may have changed, re-read what you hold.
     */
    RESYNC
  }

  /** Whether the event names the user and kind it is about. */
  public boolean isTargeted() {
    return type == Type.PUBLISHED || type == Type.ROLLED_BACK;
  }
}
