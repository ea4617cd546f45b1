/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import picocli.CommandLine.IVersionProvider;

/** Version string from the jar manifest (falls back to "dev" when run from classes). */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Persona4j.class.getPackage().getImplementationVersion();
    return new String[] {
      "persona4j " + (v == null ? "dev" : v), "JVM " + System.getProperty("java.version")
    };
  }
}
