/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Per-user storage of everything personal that Persona4j produces (LoRA adapters, classifier heads,
 * iLoRA mixtures, soft prompts, user vectors), versioned per user and {@link AdapterKind}, with one
 * active version per user and kind.
 *
 * <p>Guarantees, on both backends (SQLite, one file; PostgreSQL, for several servers):
 *
 * <ul>
 *   <li>{@link #publish} stores a new version and (by default) makes it active in one transaction:
 *       a reader sees the previous active version or the new one, complete, never a mix; a process
 *       killed while publishing leaves the previous version active.
 *   <li>Every read verifies the payload's content hash and fails with {@link
 *       CorruptAdapterException} naming user, kind and version if the bytes changed.
 *   <li>{@link #publish} refuses an entry recording another base model's fingerprint ({@link
 *       IncompatibleBaseModelException}, both fingerprints in the message); one recording none is
 *       accepted with a warning when its tensors' shapes fit the base.
 *   <li>{@link #deleteUser} removes every version of every kind and the user's id from the store's
 *       tables in one transaction ({@link ErasureReport} says what may remain on disk).
 *   <li>{@link #subscribe}d listeners in every process on the store learn of changes to what is
 *       active (SQLite: polling; PostgreSQL: LISTEN/NOTIFY), in commit order.
 * </ul>
 *
 * <p>Implementations are thread-safe. Methods throw {@link IllegalArgumentException} for invalid
 * input (naming it), {@link NoSuchAdapterException} for what is not there, and {@link
 * AdapterStoreException} when the database fails, always naming the store.
 */
public interface AdapterStore extends AutoCloseable {
  /**
   * Opens (creating or migrating the schema if needed) the store at {@code url}, with credentials
   * from the environment ({@link StoreConfig#fromEnvironment}).
   */
  static AdapterStore open(String url) {
    return open(StoreConfig.fromEnvironment(url));
  }

  /** Opens the store {@code config} names, creating or migrating its schema if needed. */
  static AdapterStore open(StoreConfig config) {
    return JdbcAdapterStore.open(config);
  }

  /** The store's URL without credentials. */
  String displayUrl();

  /** Which database holds the store. */
  StoreConfig.Backend backend();

  /**
   * Checks the payload against its kind and base model, stores it as the user's next version of
   * that kind and, unless the request says otherwise, makes it active, all in one transaction.
   *
   * @throws IncompatibleBaseModelException if it belongs to another base model
   * @throws IllegalArgumentException naming the file and field for invalid files or a limit
   *     exceeded
   */
  PublishResult publish(PublishRequest request);

  /** The user's active entry of {@code kind}, if any. */
  Optional<AdapterEntry> active(String userId, AdapterKind kind);

  /** The number of the user's active version of {@code kind}, if any (one small query). */
  OptionalLong activeVersion(String userId, AdapterKind kind);

  /** The user's active entries, one per kind that has one. */
  List<AdapterEntry> activeEntries(String userId);

  /**
   * The active entries of several users (at most 1,000 ids per call), in one query: what a server
   * re-checks for the users it caches after an {@link StoreEvent.Type#ERASED} event, and what
   * listing all users pages through.
   */
  List<AdapterEntry> activeEntries(java.util.Collection<String> userIds);

  /** One version's entry, if it exists. */
  Optional<AdapterEntry> entry(String userId, AdapterKind kind, long version);

  /** Every version of every kind of the user, by kind then version. */
  List<AdapterEntry> list(String userId);

  /** Every version of the user's {@code kind}, in version order. */
  List<AdapterEntry> list(String userId, AdapterKind kind);

  /**
   * User ids that have entries, in byte order, after {@code afterUserId} (null: from the first), at
   * most {@code limit}: page through all users by passing the last one back.
   */
  List<String> users(String afterUserId, int limit);

  /**
   * One version with its verified payload.
   *
   * @throws NoSuchAdapterException if it does not exist
   * @throws CorruptAdapterException if its bytes do not match its content hash
   */
  StoredAdapter read(String userId, AdapterKind kind, long version);

  /**
   * The active version of {@code kind} with its verified payload, read in one snapshot, if the user
   * has one.
   *
   * @throws CorruptAdapterException if its bytes do not match its content hash
   */
  Optional<StoredAdapter> readActive(String userId, AdapterKind kind);

  /**
   * Makes an existing version the user's active one of {@code kind} (back to an earlier one, or
   * forward again), in one transaction, and notifies listeners.
   *
   * @return the now active entry
   * @throws NoSuchAdapterException naming the versions that exist, if {@code version} does not
   */
  AdapterEntry rollback(String userId, AdapterKind kind, long version);

  /**
   * Deletes every version of every kind of the user and its bytes, in one transaction, and removes
   * the user id from the change log; listeners get an {@link StoreEvent.Type#ERASED} event that
   * does not name the user. Idempotent: a user with nothing stored gives a report of 0 versions.
   */
  ErasureReport deleteUser(String userId);

  /**
   * Returns the space of deleted entries to the file system and rewrites what remains (SQLite:
   * {@code VACUUM} and a truncating WAL checkpoint; PostgreSQL: {@code VACUUM FULL} of the store's
   * tables, which locks them while it runs).
   */
  void compact();

  /** Totals (users, entries, bytes). */
  StoreStats stats();

  /**
   * Registers {@code listener} for changes committed from now on, by any process on the store.
   * Closing the subscription (or the store) stops delivery.
   */
  StoreSubscription subscribe(StoreListener listener);

  /** Stops watchers and closes the connection pool. */
  @Override
  void close();
}
