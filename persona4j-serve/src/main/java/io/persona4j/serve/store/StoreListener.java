/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * Receives {@link StoreEvent}s, one at a time, in sequence order, on the store's watcher thread.
 * Keep it quick (hand work to another thread); an exception is logged and does not stop delivery.
 */
@FunctionalInterface
public interface StoreListener {
  void onEvent(StoreEvent event);
}
