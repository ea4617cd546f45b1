/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node scripts of {@code src/test/node} (real clients: the OpenAI SDK, Chromium). The
 * tools are part of the build's requirements: {@code bin/test} installs Node's packages, {@code
 * .ci/run} Node, npm and Chromium; a missing tool fails the test with what to run, it never skips
 * it.
 */
final class NodeScripts {
  static final Path DIR = Path.of("src/test/node").toAbsolutePath();

  private NodeScripts() {}

  /** Fails unless node and the package in node_modules are installed. */
  static void require(String nodePackage) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          "node is not installed: these tests need Node >= 18 (.ci/run installs nodejs)", e);
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("node --version").isZero();
    if (!Files.isDirectory(DIR.resolve("node_modules").resolve(nodePackage))) {
      throw new AssertionError(
          "npm package '"
              + nodePackage
              + "' is not installed in "
              + DIR
              + ": run `npm ci --prefix "
              + DIR
              + "` (bin/test does when npm is installed)");
    }
  }

  /** Runs {@code node script}; returns its last stdout line; fails with its output on exit != 0. */
  static String run(String script, Map<String, String> env, int timeoutSeconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", script));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile());
    pb.environment().putAll(env);
    Path log = Files.createTempFile("node-", ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    assertThat(done)
        .as("node %s finished within %d s; output:%n%s", script, timeoutSeconds, output)
        .isTrue();
    assertThat(p.exitValue()).as("node %s exit code; output:%n%s", script, output).isZero();
    List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("output of %s", script).isNotEmpty();
    return lines.get(lines.size() - 1);
  }
}
