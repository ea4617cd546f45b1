/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where this {@code persona4j} is installed (the checkout {@code bin/persona4j} runs from) and the
 * data sets and docs that belong to it, so that defaults do not depend on the current directory.
 *
 * <p>The installation is {@code -Dpersona4j.home} (set by the launcher), else the checkout whose
 * {@code persona4j-cli/target} holds the running code. A shared data set {@code name} is looked for
 * in {@code $PERSONA4J_DATA/name}, then {@code $PERSONA4J_SHARED/data/name} (or {@code
 * -Dpersona4j.shared}), then {@code <installation>/../shared/data/name}, then {@code
 * ../shared/data/name} from the current directory; an error lists every path tried.
 */
final class Installation {
  /** Environment variable: a directory holding the data sets ({@code movielens-small}, ...). */
  static final String DATA_ENV = "PERSONA4J_DATA";

  /** Environment variable: the shared folder, whose {@code data/} holds the data sets. */
  static final String SHARED_ENV = "PERSONA4J_SHARED";

  private Installation() {}

  /** The checkout this command runs from, if it can be told. */
  static Optional<Path> home() {
    String property = System.getProperty("persona4j.home");
    if (property != null && !property.isBlank()) {
      return Optional.of(Path.of(property).toAbsolutePath().normalize());
    }
    try {
      Path code =
          Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = code.toAbsolutePath(); p != null; p = p.getParent()) {
        if (p.getFileName() != null
            && p.getFileName().toString().equals("persona4j-cli")
            && p.getParent() != null
            && Files.isRegularFile(p.getParent().resolve("pom.xml"))) {
          return Optional.of(p.getParent());
        }
      }
    } catch (URISyntaxException | RuntimeException e) {
      // no code source (unusual class loader): no installation to resolve against
    }
    return Optional.empty();
  }

  /** The installation's {@code docs/}, for {@code --update-docs}. */
  static Path docs() {
    return home()
        .map(h -> h.resolve("docs"))
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--update-docs: cannot tell which checkout's docs/ to update; run through"
                        + " bin/persona4j or pass -Dpersona4j.home=<checkout>"));
  }

  /**
   * Copies an experiment's results (the {@code .json}, {@code .md} and {@code .png} files directly
   * in {@code out}) into the installation's {@code docs/<name>/}, for {@code --update-docs}.
   *
   * @return the docs directory written
   */
  static Path publish(Path out, String name) throws IOException {
    Path target = docs().resolve(name);
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(out)) {
      for (Path f : files.sorted().toList()) {
        String n = f.getFileName().toString();
        if (Files.isRegularFile(f)
            && (n.endsWith(".json") || n.endsWith(".md") || n.endsWith(".png"))) {
          Files.copy(f, target.resolve(n), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return target;
  }

  /**
   * The data set directory: {@code given} when the user named one (it must exist), else the first
   * existing default location of {@code name}.
   *
   * @param flag the option, for messages (e.g. {@code --data})
   * @throws IllegalArgumentException naming the flag and every path tried
   */
  static Path dataSet(String flag, Path given, String name) {
    return dataSet(flag, given, name, System.getenv());
  }

  static Path dataSet(String flag, Path given, String name, Map<String, String> env) {
    if (given != null) {
      if (!Files.isDirectory(given)) {
        throw new IllegalArgumentException(
            flag
                + " "
                + given
                + ": no such directory ("
                + given.toAbsolutePath().normalize()
                + ")");
      }
      return given;
    }
    List<String> tried = new ArrayList<>();
    for (Candidate c : candidates(name, env)) {
      if (Files.isDirectory(c.path())) {
        return c.path();
      }
      tried.add(c.path() + " (" + c.why() + ")");
    }
    throw new IllegalArgumentException(
        "no "
            + flag
            + " given and the default data set '"
            + name
            + "' is in none of: "
            + String.join(", ", tried)
            + ". Pass "
            + flag
            + " DIR, or set "
            + DATA_ENV
            + " to the directory holding '"
            + name
            + "'");
  }

  private record Candidate(Path path, String why) {}

  private static List<Candidate> candidates(String name, Map<String, String> env) {
    List<Candidate> out = new ArrayList<>();
    String data = env.get(DATA_ENV);
    if (data != null && !data.isBlank()) {
      out.add(new Candidate(Path.of(data, name).toAbsolutePath().normalize(), DATA_ENV));
    }
    String shared = System.getProperty("persona4j.shared", env.get(SHARED_ENV));
    if (shared != null && !shared.isBlank()) {
      out.add(
          new Candidate(
              Path.of(shared, "data", name).toAbsolutePath().normalize(),
              SHARED_ENV + " or -Dpersona4j.shared"));
    }
    home()
        .ifPresent(
            h ->
                out.add(
                    new Candidate(
                        h.resolveSibling("shared").resolve("data").resolve(name).normalize(),
                        "beside the installation " + h)));
    out.add(
        new Candidate(
            Path.of("..", "shared", "data", name).toAbsolutePath().normalize(),
            "beside the current directory"));
    return out;
  }
}
