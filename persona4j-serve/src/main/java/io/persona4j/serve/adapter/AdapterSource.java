package io.persona4j.serve.adapter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the server finds users' active adapters: the narrow view of the adapter store that serving
 * needs. The store ({@code io.persona4j.serve.store}) is the real implementation; {@link
 * InMemoryAdapterSource} serves tests.
 *
 * <p>Adapters come only from here, never from a path in a request. Implementations are thread-safe.
 */
public interface AdapterSource extends AutoCloseable {
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
   * rollback, delete), from any thread, possibly more than once per change.
   */
  void addListener(Consumer<String> listener);

  /** A short description for logs, e.g. the store URL without credentials. */
  String describe();

  @Override
  default void close() throws IOException {}
}
