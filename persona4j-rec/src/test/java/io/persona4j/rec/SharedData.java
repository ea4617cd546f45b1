/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the shared data sets (never downloaded by tests). */
public final class SharedData {
  private SharedData() {}

  /**
   * The directory {@code data/<name>} of the shared folder: the {@code persona4j.shared} system
   * property (set by the build), the {@code PERSONA4J_SHARED} environment variable, or {@code
   * ../../shared} from the module directory. Fails with an instruction when it is absent.
   */
  public static Path data(String name) {
    List<Path> tried = new ArrayList<>();
    String property = System.getProperty("persona4j.shared");
    if (property != null) {
      tried.add(Path.of(property, "data", name));
    }
    String env = System.getenv("PERSONA4J_SHARED");
    if (env != null) {
      tried.add(Path.of(env, "data", name));
    }
    tried.add(Path.of("..", "..", "shared", "data", name));
    for (Path p : tried) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    throw new AssertionError(
        "shared data set '"
            + name
            + "' not found (tried "
            + tried
            + "). Put it under <shared>/data/"
            + name
            + " (e.g. /work/shared/data/"
            + name
            + ") and point PERSONA4J_SHARED or -Dpersona4j.shared at <shared>.");
  }
}
