/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import io.persona4j.core.model.ModelFingerprint;

/**
 * An entry was refused because it does not belong to the base model it was published for: it
 * records another base-model fingerprint, or (recording none) its tensor shapes do not fit.
 */
public class IncompatibleBaseModelException extends AdapterStoreException {
  private static final long serialVersionUID = 1L;

  private final String adapterFingerprint;
  private final String baseFingerprint;

  /**
   * @param adapterFingerprint the fingerprint the entry's files record, or null if none
   * @param baseFingerprint the publishing base model's fingerprint
   */
  public IncompatibleBaseModelException(
      String message, String adapterFingerprint, String baseFingerprint) {
    super(message);
    this.adapterFingerprint = adapterFingerprint;
    this.baseFingerprint = baseFingerprint;
  }

  /** The {@link ModelFingerprint} the entry's files record, or null. */
  public String adapterFingerprint() {
    return adapterFingerprint;
  }

  /** The publishing base model's {@link ModelFingerprint}. */
  public String baseFingerprint() {
    return baseFingerprint;
  }
}
