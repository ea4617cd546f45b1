/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import io.helidon.logging.common.spi.LoggingProvider;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Helidon's logging set-up hook (found through {@code ServiceLoader}): Helidon logs through {@code
 * java.util.logging}, at INFO for every start and stop; Persona4j logs through slf4j. This keeps
 * Helidon to warnings and errors, and its presence stops Helidon from printing that it found no
 * logging implementation.
 */
public final class QuietHelidonLogging implements LoggingProvider {
  // java.util.logging holds loggers weakly: keep a reference, or the level is forgotten.
  private static final Logger HELIDON = Logger.getLogger("io.helidon");

  @Override
  public void initialization() {
    HELIDON.setLevel(Level.WARNING);
  }

  @Override
  public void runTime() {
    HELIDON.setLevel(Level.WARNING);
  }
}
