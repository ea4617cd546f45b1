/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.persona4j.core.config.JsonErrors;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How the command line reports failures: one line naming what to fix, without Java class names;
 * errors from the library's validation name the option the user typed, not the internal field it
 * fed (see {@link ValidatedAs}); a bad option value gets one line and a hint, not the usage.
 */
final class CliErrors {
  private static final Map<Class<? extends FileSystemException>, String> FILE_PROBLEMS =
      Map.of(
          NoSuchFileException.class, "no such file",
          AccessDeniedException.class, "permission denied",
          FileAlreadyExistsException.class, "already exists",
          NotDirectoryException.class, "not a directory",
          DirectoryNotEmptyException.class, "directory not empty");

  private static final Map<String, String> EMBEDDED_FILE_PROBLEMS =
      Map.of(
          "java.nio.file.NoSuchFileException", "no such file",
          "java.nio.file.AccessDeniedException", "permission denied",
          "java.nio.file.FileAlreadyExistsException", "already exists",
          "java.nio.file.NotDirectoryException", "not a directory",
          "java.nio.file.DirectoryNotEmptyException", "directory not empty");

  /** A fully qualified exception class followed by ": " inside a message. */
  private static final Pattern EMBEDDED_EXCEPTION =
      Pattern.compile("\\b(?:[a-z_][\\w]*\\.)+([A-Z][\\w$]*(?:Exception|Error)):\\s*");

  private CliErrors() {}

  /** The execution exception handler: one line on stderr, exit code 1. */
  static int onExecutionFailure(
      Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
    cmd.getErr().println("persona4j: " + describe(ex, cmd.getCommandSpec()));
    if (Boolean.getBoolean("persona4j.debug")) {
      ex.printStackTrace(cmd.getErr());
    } else if (isInternal(ex)) {
      cmd.getErr()
          .println(
              "(an internal error: rerun with PERSONA4J_JAVA_OPTS=-Dpersona4j.debug=true for the trace)");
    }
    return 1;
  }

  /**
   * The parameter exception handler: the problem on one line (with picocli's suggestions for a
   * mistyped option or command) and where to find the options, exit code 2.
   */
  static int onBadArguments(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("persona4j: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** The message for {@code ex} thrown while {@code spec} ran (spec may be null). */
  static String describe(Throwable ex, CommandSpec spec) {
    String msg = plain(ex);
    return spec == null ? msg : nameOptions(msg, spec);
  }

  /** {@code ex}'s message without class names, unwrapping wrappers that add nothing. */
  static String plain(Throwable ex) {
    Throwable t = ex;
    while (isBareWrapper(t)) {
      t = t.getCause();
    }
    if (t instanceof FileSystemException fs) {
      String what = FILE_PROBLEMS.get(fs.getClass());
      String reason = fs.getReason();
      if (what == null) {
        what = reason == null ? "cannot access" : reason.toLowerCase(java.util.Locale.ROOT);
        reason = null;
      }
      return what
          + ": "
          + (fs.getFile() == null ? "" : fs.getFile())
          + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile())
          + (reason == null ? "" : " (" + reason + ")");
    }
    if (t instanceof JsonProcessingException j) {
      return JsonErrors.describe(j);
    }
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) {
      return words(t.getClass().getSimpleName());
    }
    return scrub(msg);
  }

  /**
   * Replaces class names embedded in {@code msg} (e.g. a wrapped {@code
   * java.nio.file.NoSuchFileException: x}) by words, and Jackson's class notes by nothing.
   */
  static String scrub(String msg) {
    Matcher m = EMBEDDED_EXCEPTION.matcher(msg);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String qualified = m.group().substring(0, m.group().indexOf(':'));
      String word = EMBEDDED_FILE_PROBLEMS.get(qualified);
      m.appendReplacement(b, Matcher.quoteReplacement(word == null ? "" : word + ": "));
    }
    m.appendTail(b);
    return JsonErrors.clean(b.toString());
  }

  /**
   * Renames the library's names for option values in {@code msg} to the options of {@code spec}:
   * each option's {@link ValidatedAs} names and its field name if that is camelCase.
   */
  static String nameOptions(String msg, CommandSpec spec) {
    String out = msg;
    for (Map.Entry<String, String> e : internalNames(spec).entrySet()) {
      String name = Pattern.quote(e.getKey());
      String option = Matcher.quoteReplacement(e.getValue());
      // "config.json field 'num_hidden_layers' = -2" -> "--layers -2"
      out = out.replaceAll("(?:[\\w.-]+\\.json )?field '" + name + "'(?: =)?", option);
      // "maxNewTokens must be > 0" -> "--max-tokens must be > 0"
      out = out.replaceAll("(?<![\\w.'-])" + name + "(?![\\w'])", option);
    }
    return out;
  }

  /** Internal name -> the option's longest name, for every option of {@code spec}. */
  static Map<String, String> internalNames(CommandSpec spec) {
    Map<String, String> names = new LinkedHashMap<>();
    for (OptionSpec o : spec.options()) {
      if (!(o.userObject() instanceof Field f)) {
        continue;
      }
      ValidatedAs as = f.getAnnotation(ValidatedAs.class);
      if (as != null) {
        for (String n : as.value()) {
          names.put(n, o.longestName());
        }
      }
      if (!f.getName().equals(f.getName().toLowerCase(java.util.Locale.ROOT))) {
        names.putIfAbsent(f.getName(), o.longestName());
      }
    }
    return names;
  }

  private static boolean isBareWrapper(Throwable t) {
    Throwable c = t.getCause();
    if (c == null) {
      return false;
    }
    String msg = t.getMessage();
    return msg == null
        || msg.equals(c.toString())
        || t instanceof ExecutionException
        || t instanceof CompletionException
        || t instanceof java.lang.reflect.InvocationTargetException;
  }

  private static boolean isInternal(Throwable ex) {
    Throwable t = ex;
    while (isBareWrapper(t)) {
      t = t.getCause();
    }
    return t instanceof NullPointerException
        || t instanceof ClassCastException
        || t instanceof IndexOutOfBoundsException
        || t instanceof UnsupportedOperationException;
  }

  /** {@code OutOfMemoryError} -> {@code out of memory error}. */
  private static String words(String simpleName) {
    return simpleName.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
  }
}
