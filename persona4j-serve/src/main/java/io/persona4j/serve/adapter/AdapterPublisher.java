/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A {@link UserAdapters} that can also publish: {@code POST /admin/adapters} (an admin key) stores
 * an adapter's files as the user's next active version, checked against the served base model.
 */
public interface AdapterPublisher {
  /** What a publication did. */
  record Published(AdapterRef ref, List<String> warnings) {}

  /**
   * Stores {@code files} (relative path to bytes: {@code adapter_config.json}, {@code
   * adapter_model.safetensors}, ...) as {@code user}'s next version and makes it active.
   *
   * @throws IllegalArgumentException naming the file and field for an invalid adapter, or one made
   *     for another base model
   * @throws IOException if the store cannot be written
   */
  Published publish(String user, Map<String, byte[]> files, String note) throws IOException;
}
