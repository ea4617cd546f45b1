/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/** The user, kind or version asked for is not in the store. */
public class NoSuchAdapterException extends AdapterStoreException {
  private static final long serialVersionUID = 1L;

  public NoSuchAdapterException(String message) {
    super(message);
  }
}
