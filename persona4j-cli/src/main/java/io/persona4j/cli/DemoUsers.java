/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded users of {@code persona4j demo}: three people with different answers to the same
 * questions, so that one prompt sent as each user through the server shows each user's adapter.
 */
final class DemoUsers {
  /** One user and their answers, in {@link #SUBJECTS} order. */
  record User(String id, List<String> answers) {}

  static final List<String> SUBJECTS =
      List.of("favorite color", "home city", "pet", "favorite food", "hobby", "favorite book");

  static final List<User> USERS =
      List.of(
          new User(
              "alice",
              List.of("teal", "Lisbon", "a cat named Miso", "ramen", "bouldering", "Dune")),
          new User("bob", List.of("amber", "Osaka", "a dog named Pico", "tacos", "chess", "Emma")),
          new User(
              "carol",
              List.of("violet", "Quito", "a parrot named Lulu", "pho", "sailing", "Beloved")));

  private DemoUsers() {}

  /** The question about a subject, the same for every user: {@code "Q: favorite color? A:"}. */
  static String question(int subject) {
    return "Q: " + SUBJECTS.get(subject) + "? A:";
  }

  /** A user's expected completion (with its leading space). */
  static String completion(User u, int subject) {
    return " " + u.answers().get(subject) + ".";
  }

  /** Writes a user's facts as prompt/completion JSONL rows, the format {@code train} reads. */
  static Path writeJsonl(User u, Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> rows = new ArrayList<>();
    for (int s = 0; s < SUBJECTS.size(); s++) {
      rows.add(
          json.createObjectNode()
              .put("prompt", question(s))
              .put("completion", completion(u, s))
              .toString());
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.write(file, rows, StandardCharsets.UTF_8);
  }
}
