/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.checks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The Java examples in the documentation, taken from the Markdown itself so that what readers copy
 * is what the build compiles and runs. An example is a fenced {@code java} block right after the
 * line {@value #MARKER}; it is one complete compilation unit (imports, one public class with a
 * {@code main}) in the default package.
 */
final class DocExamples {
  /** The line that marks the next fenced java block as a checked example. */
  static final String MARKER = "<!-- persona4j:example -->";

  private static final Pattern PUBLIC_CLASS =
      Pattern.compile("public\\s+(?:final\\s+)?class\\s+(\\w+)");

  /**
   * An example found in the docs.
   *
   * @param file the Markdown file
   * @param line the line of its opening fence
   * @param className its public class
   * @param source the block's text
   */
  record Example(Path file, int line, String className, String source) {
    @Override
    public String toString() {
      return className + " (" + file.getFileName() + ":" + line + ")";
    }
  }

  private DocExamples() {}

  /** The Markdown files checked: README.md and everything under docs/. */
  static List<Path> markdownFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(root.resolve("README.md"));
    Path docs = root.resolve("docs");
    if (Files.isDirectory(docs)) {
      try (Stream<Path> s = Files.walk(docs)) {
        s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
      }
    }
    return files;
  }

  /** Every marked example in {@code files}, in order. */
  static List<Example> find(List<Path> files) throws IOException {
    List<Example> out = new ArrayList<>();
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (!lines.get(i).trim().equals(MARKER)) {
          continue;
        }
        int open = i + 1;
        if (open >= lines.size() || !lines.get(open).trim().equals("```java")) {
          throw new IllegalStateException(
              f + ":" + (i + 1) + ": " + MARKER + " must be followed by a ```java block");
        }
        StringBuilder src = new StringBuilder();
        int j = open + 1;
        while (j < lines.size() && !lines.get(j).trim().equals("```")) {
          src.append(lines.get(j)).append('\n');
          j++;
        }
        if (j == lines.size()) {
          throw new IllegalStateException(f + ":" + (open + 1) + ": unclosed ```java block");
        }
        Matcher m = PUBLIC_CLASS.matcher(src);
        if (!m.find()) {
          throw new IllegalStateException(
              f + ":" + (open + 1) + ": no public class in the example");
        }
        out.add(new Example(f, open + 1, m.group(1), src.toString()));
        i = j;
      }
    }
    return out;
  }

  /** The class path the examples compile against: this test's. */
  static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank()
        ? surefire
        : System.getProperty("java.class.path");
  }

  /**
   * Compiles {@code example} (warnings are errors) into {@code out}.
   *
   * @throws AssertionError with javac's messages, naming the file and line of the block
   */
  static void compile(Example example, Path out) throws IOException {
    Path src = out.resolve("src").resolve(example.className() + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, example.source(), StandardCharsets.UTF_8);
    Path classes = Files.createDirectories(out.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter messages = new StringWriter();
    try (StandardJavaFileManager files =
        javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of(
              "--release",
              "21",
              "-Xlint:all,-processing",
              "-Werror",
              "-proc:none",
              "-classpath",
              classPath(),
              "-d",
              classes.toString());
      boolean ok =
          javac
              .getTask(messages, files, null, options, null, files.getJavaFileObjects(src.toFile()))
              .call();
      if (!ok) {
        throw new AssertionError(
            "the example at "
                + example.file()
                + ":"
                + example.line()
                + " does not compile:\n"
                + messages);
      }
    }
  }

  /**
   * Runs the compiled {@code example}'s {@code main(args)} in this JVM and returns what it printed
   * on stdout.
   */
  static synchronized String run(Example example, Path out, String... args) throws Exception {
    URL classes = out.resolve("classes").toUri().toURL();
    PrintStream old = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes}, DocExamples.class.getClassLoader())) {
      Method main = loader.loadClass(example.className()).getMethod("main", String[].class);
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    } finally {
      System.setOut(old);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }
}
