/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/** A registered {@link StoreListener}; {@link #close()} stops delivery to it. */
public interface StoreSubscription extends AutoCloseable {
  @Override
  void close();
}
