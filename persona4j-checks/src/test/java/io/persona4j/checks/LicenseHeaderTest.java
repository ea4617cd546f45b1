/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java source file of the project starts with the license header (docs/BUILD.md), including
 * the {@code package-info.java} files that spotless leaves alone.
 */
class LicenseHeaderTest {
  static final String HEADER =
      "/*\n * Copyright The Persona4j Authors\n * SPDX-License-Identifier: Apache-2.0\n */\n";

  static boolean hasHeader(String source) {
    return source.replace("\r\n", "\n").startsWith(HEADER);
  }

  static List<Path> javaSources() throws IOException {
    try (Stream<Path> files = Files.walk(BomTest.ROOT)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(p -> BomTest.ROOT.relativize(p).getName(0).toString().startsWith("persona4j-"))
          .filter(
              p -> {
                String s = p.toString();
                return s.contains("/src/")
                    && !s.contains("/target/")
                    && !s.contains("/node_modules/");
              })
          .toList();
    }
  }

  @Test
  void everyJavaSourceFileCarriesTheHeader() throws IOException {
    List<Path> sources = javaSources();
    assertThat(sources).as("Java sources found under %s", BomTest.ROOT).hasSizeGreaterThan(100);
    List<String> missing =
        sources.stream()
            .filter(
                p -> {
                  try {
                    return !hasHeader(Files.readString(p, StandardCharsets.UTF_8));
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                })
            .map(p -> BomTest.ROOT.relativize(p).toString())
            .toList();
    assertThat(missing)
        .as(
            "files without the license header (run 'mvn spotless:apply'; package-info.java by hand)")
        .isEmpty();
  }

  @Test
  void theCheckRejectsAFileWithoutTheHeader() {
    assertThat(hasHeader("package io.persona4j.x;\n")).isFalse();
    assertThat(hasHeader("/*\n * Copyright Someone Else\n */\npackage x;\n")).isFalse();
    assertThat(hasHeader(HEADER + "package x;\n")).isTrue();
    assertThat(hasHeader(HEADER.replace("\n", "\r\n") + "package x;\n")).isTrue();
  }
}
