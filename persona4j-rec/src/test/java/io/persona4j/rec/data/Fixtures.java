/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes tiny data set files for the loader tests. */
final class Fixtures {
  private Fixtures() {}

  static Path write(Path dir, String name, Charset cs, String... lines) {
    try {
      Path p = dir.resolve(name);
      Files.write(p, (String.join("\n", lines) + "\n").getBytes(cs));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A ml-100k item row: id|title|release|video|url|19 flags with the given genres set. */
  static String ml100kItem(int id, String title, int... genreFlags) {
    int[] flags = new int[19];
    for (int g : genreFlags) {
      flags[g] = 1;
    }
    StringBuilder s =
        new StringBuilder(id + "|" + title + "|01-Jan-1995||http://us.imdb.com/M/title-exact?x");
    for (int f : flags) {
      s.append('|').append(f);
    }
    return s.toString();
  }
}
