package io.persona4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded instruction set of {@code persona4j demo}: a handful of facts about one user, asked
 * in a fixed question format, so that what the adapter learned is visible in greedy generations.
 */
final class DemoPersona {
  /** One fact: the question's subject and the user's answer. */
  record Fact(String subject, String answer) {}

  static final String USER = "user-7";

  static final List<Fact> FACTS =
      List.of(
          new Fact("favorite color", "teal"),
          new Fact("home city", "Lisbon"),
          new Fact("pet", "a cat named Miso"),
          new Fact("favorite food", "ramen"),
          new Fact("hobby", "bouldering"),
          new Fact("favorite book", "Dune"));

  private DemoPersona() {}

  /** The question about {@code fact}, e.g. {@code "Q: favorite color of user-7? A:"}. */
  static String question(Fact fact) {
    return "Q: " + fact.subject() + " of " + USER + "? A:";
  }

  /** The expected completion (with its leading space). */
  static String completion(Fact fact) {
    return " " + fact.answer() + ".";
  }

  /** The first {@code n} questions (at least one, at most all). */
  static List<String> questions(int n) {
    int k = Math.max(1, Math.min(n, FACTS.size()));
    return FACTS.subList(0, k).stream().map(DemoPersona::question).toList();
  }

  /** Writes the facts as prompt/completion JSONL rows, the format {@code persona4j train} reads. */
  static Path writeJsonl(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> rows = new ArrayList<>();
    for (Fact f : FACTS) {
      rows.add(
          json.createObjectNode()
              .put("prompt", question(f))
              .put("completion", completion(f))
              .toString());
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.write(file, rows, StandardCharsets.UTF_8);
  }
}
