/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * The bytes read for an entry do not hash to the content hash recorded when it was published: the
 * database was modified outside the store or the storage is damaged. Nothing of the entry is
 * returned.
 */
public class CorruptAdapterException extends AdapterStoreException {
  private static final long serialVersionUID = 1L;

  public CorruptAdapterException(String message) {
    super(message);
  }
}
