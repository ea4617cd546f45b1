/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The active adapter of each user, and word when it changes: the narrow view of the adapter store
 * that serving needs. {@link StoreUserAdapters} reads it from the adapter store ({@code
 * io.persona4j.serve.store}); {@link InMemoryUserAdapters} serves tests.
 *
 * <p>Adapters come only from here, never from a path in a request. Implementations are thread-safe.
 */
public interface UserAdapters extends AutoCloseable {
  /** The user's active adapter, or empty if the user has none (the base model serves them). */
  Optional<AdapterRef> active(String user) throws IOException;

  /**
   * Writes the files of {@code ref} ({@code adapter_config.json}, {@code
   * adapter_model.safetensors}, and e.g. a classifier's {@code classifier.json}) into the empty
   * directory {@code dir}, verified against their recorded hash.
   *
   * @throws IOException if the version is gone (deleted or rolled back and pruned) or corrupt
   */
  void fetch(AdapterRef ref, Path dir) throws IOException;

  /** Users that have an active adapter, sorted (for the web page and operators). */
  List<String> users() throws IOException;

  /**
   * Calls {@code listener} with the user id whenever a user's active adapter changes (publish,
   * rollback, delete), from any thread, possibly more than once per change; with null when anything
   * may have changed (e.g. a user was erased without saying who, or changes were missed).
   */
  void addListener(Consumer<String> listener);

  /** A short description for logs, e.g. the store URL without credentials. */
  String describe();

  @Override
  default void close() throws IOException {}
}
