/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import java.util.Map;

/** What Persona4j writes beside weights so that files describe where they came from. */
public final class Provenance {
  /** Version of the on-disk layouts Persona4j writes; readers reject newer ones. */
  public static final String FORMAT_VERSION = "1";

  private Provenance() {}

  /** The code version from the jar manifest, or "dev". */
  public static String codeVersion() {
    String v = Provenance.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** safetensors {@code __metadata__}: HF's {@code format}, plus Persona4j's versions. */
  public static Map<String, String> metadata() {
    return Map.of(
        "format",
        "pt",
        "persona4j.format_version",
        FORMAT_VERSION,
        "persona4j.code_version",
        codeVersion());
  }
}
