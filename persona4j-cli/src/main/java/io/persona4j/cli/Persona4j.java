package io.persona4j.cli;

import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code persona4j} command line: the only {@code main} and the only {@code System.exit}. */
@Command(
    name = "persona4j",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Private, per-user personalization of LLMs on the JVM.",
    subcommands = {
      DemoCommand.class,
      ModelCommand.class,
      InspectCommand.class,
      EmbedCommand.class,
      GenerateCommand.class,
      TrainCommand.class,
      ClassifyCommand.class,
      RecCommand.class,
      DpCommand.class,
      FedCommand.class,
      SteerCommand.class,
    })
public final class Persona4j implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Builds the command line with Persona4j's error handling (message only, no stack trace). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Persona4j());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          cmd.getErr().println("persona4j: " + describe(ex));
          if (Boolean.getBoolean("persona4j.debug")) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    return cl;
  }

  private static String describe(Throwable ex) {
    String msg = ex.getMessage();
    if (ex instanceof NoSuchFileException) {
      return "no such file: " + msg;
    }
    return msg == null ? ex.toString() : msg;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
