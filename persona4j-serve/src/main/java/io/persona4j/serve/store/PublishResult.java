/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.util.List;

/**
 * A published entry and the warnings its publication raised (e.g. an adapter without a base-model
 * fingerprint, accepted because its shapes fit the base).
 */
public record PublishResult(AdapterEntry entry, List<String> warnings) {
  public PublishResult {
    if (entry == null) {
      throw new IllegalArgumentException("entry is required");
    }
    warnings = List.copyOf(warnings);
  }
}
