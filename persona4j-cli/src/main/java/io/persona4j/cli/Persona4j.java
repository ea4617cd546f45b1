package io.persona4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code persona4j} command line. */
@Command(
    name = "persona4j",
    mixinStandardHelpOptions = true,
    version = "persona4j 0.1.0-SNAPSHOT",
    description = "Private, per-user personalization of LLMs on the JVM.")
public final class Persona4j implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Persona4j()).execute(args));
  }
}
