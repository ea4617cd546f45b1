/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import java.util.List;
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
      PLoraCommand.class,
      RecCommand.class,
      DpCommand.class,
      FedCommand.class,
      SteerCommand.class,
      StoreCommand.class,
      ServeCommand.class,
      ApiKeyCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class Persona4j implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * Builds the command line with Persona4j's error handling: a failure prints one line (no stack
   * trace, no class names) and exits 1; a bad argument prints one line and a hint and exits 2; a
   * command group without its subcommand ({@code persona4j}, {@code persona4j model}) prints the
   * usage to stderr and exits 2.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Persona4j());
    cl.setExecutionExceptionHandler(CliErrors::onExecutionFailure);
    cl.setParameterExceptionHandler(CliErrors::onBadArguments);
    cl.setExecutionStrategy(Persona4j::execute);
    return cl;
  }

  private static int execute(CommandLine.ParseResult parseResult) {
    List<CommandLine> parsed = parseResult.asCommandLineList();
    CommandLine last = parsed.get(parsed.size() - 1);
    boolean helpAsked =
        parsed.stream().anyMatch(c -> c.isUsageHelpRequested() || c.isVersionHelpRequested());
    boolean group =
        !last.getSubcommands().isEmpty() && !(last.getCommand() instanceof CommandLine.HelpCommand);
    if (group && !helpAsked) {
      last.usage(last.getErr());
      last.getErr()
          .println(
              "persona4j: "
                  + last.getCommandSpec().qualifiedName()
                  + " needs a command (one of "
                  + String.join(", ", last.getSubcommands().keySet())
                  + ")");
      return last.getCommandSpec().exitCodeOnInvalidInput();
    }
    return new CommandLine.RunLast().execute(parseResult);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
