/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * A store operation failed: the database could not be reached or refused the operation. The message
 * names the store (its URL without credentials), the operation and the user, kind and version
 * concerned. Subclasses name specific failures.
 */
public class AdapterStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AdapterStoreException(String message) {
    super(message);
  }

  public AdapterStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
