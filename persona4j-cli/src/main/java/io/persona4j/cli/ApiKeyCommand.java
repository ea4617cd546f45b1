/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.serve.http.ApiKeys;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j api-key create}: a new API key for {@code persona4j serve --api-keys}. */
@Command(
    name = "api-key",
    mixinStandardHelpOptions = true,
    description = "API keys of persona4j serve (stored hashed).",
    subcommands = {ApiKeyCommand.Create.class})
final class ApiKeyCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code api-key create}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a key, append its SHA-256 to FILE (created owner-only) and print the key, once:"
            + " it is stored nowhere.",
        "Roles: --admin (any user, admin endpoints), --service (any user: a backend that names its"
            + " end users), --user ID (only that user's adapter; another user gets 403)."
      })
  static final class Create implements Callable<Integer> {
    @Option(names = "--file", required = true, paramLabel = "FILE", description = "Keys file.")
    Path file;

    @Option(names = "--name", required = true, description = "A unique name for the key.")
    String name;

    static final class Role {
      @Option(names = "--admin", description = "An admin key.")
      boolean admin;

      @Option(names = "--service", description = "A service key.")
      boolean service;

      @Option(names = "--user", paramLabel = "ID", description = "A key bound to this user.")
      String user;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Role role;

    @Override
    public Integer call() throws Exception {
      ApiKeys.Role r =
          role.admin ? ApiKeys.Role.ADMIN : role.service ? ApiKeys.Role.SERVICE : ApiKeys.Role.USER;
      String key = ApiKeys.create(file, name, r, r == ApiKeys.Role.USER ? role.user : null);
      System.out.println(key);
      System.err.println(
          "api-key: '"
              + name
              + "' ("
              + r.name().toLowerCase(java.util.Locale.ROOT)
              + (role.user != null ? " " + role.user : "")
              + ") added to "
              + file
              + "; the key above is shown once");
      return 0;
    }
  }
}
