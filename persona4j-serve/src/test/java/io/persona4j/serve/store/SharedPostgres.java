/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One throwaway PostgreSQL cluster for all tests of a JVM (started on first use, stopped at exit);
 * each test gets its own database. If PostgreSQL cannot start, the test fails with the reason: no
 * test skips itself.
 */
final class SharedPostgres {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static LocalPostgres cluster;

  private SharedPostgres() {}

  static synchronized LocalPostgres cluster() {
    if (cluster == null) {
      try {
        cluster = LocalPostgres.builder().optFsync(false).build();
      } catch (IOException e) {
        throw new IllegalStateException(
            "the PostgreSQL tests need a PostgreSQL server and could not start one: "
                + e.getMessage()
                + "\n(.ci/run installs Debian's postgresql package; locally: apt-get install"
                + " postgresql, or set "
                + LocalPostgres.ENV_BIN
                + " to the directory of initdb and pg_ctl)",
            e);
      }
    }
    return cluster;
  }

  /** A new, empty database. */
  static String newDatabase(String prefix) {
    String name = prefix + "_" + DATABASES.incrementAndGet();
    cluster().createDatabase(name);
    return name;
  }
}
