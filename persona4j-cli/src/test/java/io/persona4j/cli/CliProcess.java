/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code persona4j} command in a child JVM with the test class path (its own process, as in a
 * real deployment), its stdout and stderr collected line by line.
 */
final class CliProcess implements AutoCloseable {
  final String name;
  final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Thread pump;

  private CliProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.pump =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(
                              process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                      output.append(line).append('\n');
                    }
                  } catch (IOException ignored) {
                    // the process was killed
                  }
                });
  }

  /** Starts {@code persona4j args...} in a new JVM. */
  static CliProcess start(String name, Path workDir, String... args) throws IOException {
    return start(name, workDir, Map.of(), args);
  }

  /** Starts {@code persona4j args...} in a new JVM with extra environment variables. */
  static CliProcess start(String name, Path workDir, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-Dai.djl.offline=true",
            "-Dai.djl.pytorch.graph_optimizer=false",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            // the secure-aggregation round's graph, so tests can see which protocol ran
            "-Dorg.slf4j.simpleLogger.log.io.persona4j.federated.privacy.SecAggRound=info",
            "--enable-native-access=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xss4m",
            "-cp",
            System.getProperty("java.class.path"),
            Persona4j.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    pb.environment().putAll(env);
    return new CliProcess(name, pb.start());
  }

  /** Everything printed so far. */
  String output() {
    return output.toString();
  }

  /** Waits until a printed line contains {@code text}; fails with the output on timeout. */
  void awaitOutput(String text, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!output().contains(text)) {
      if (System.nanoTime() > end) {
        throw new AssertionError(
            name + " did not print '" + text + "' within " + timeout + "; output:\n" + output());
      }
      if (!process.isAlive() && !pump.isAlive() && !output().contains(text)) {
        throw new AssertionError(
            name
                + " exited ("
                + process.exitValue()
                + ") without printing '"
                + text
                + "':\n"
                + output());
      }
      Thread.sleep(20);
    }
  }

  /** Waits for the exit and returns the exit code; fails with the output on timeout. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + "; output:\n" + output());
    }
    pump.join(5_000);
    return process.exitValue();
  }

  /** Asserts a zero exit within {@code timeout}. */
  void assertSucceeds(Duration timeout) throws InterruptedException {
    assertThat(awaitExit(timeout)).as("%s exit code; output:%n%s", name, output()).isZero();
  }

  /** Kills the process (SIGKILL) and waits for it. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
