/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import io.persona4j.core.kernel.WeightPrecision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A worker JVM of {@code bench decode} and its line protocol: started with one engine spec ({@code
 * engine[+lora][/weights][:threads][@ompWaitPolicy]}), answers RUN/STATS/PPL/PROFILE requests with
 * one JSON line each.
 */
final class DecodeWorkerProcess implements AutoCloseable {
  final String name;
  final Process process;
  final PrintWriter in;
  final BufferedReader out;
  final Map<String, Object> ready;
  final WeightPrecision weights;
  final String engineName;

  DecodeWorkerProcess(String spec, DecodeCommand options) throws IOException {
    this.name = spec;
    String policy = options.ompWaitPolicy;
    String rest = spec;
    if (rest.contains("@")) {
      policy = rest.substring(rest.indexOf('@') + 1);
      rest = rest.substring(0, rest.indexOf('@'));
    }
    int threads =
        rest.contains(":")
            ? Integer.parseInt(rest.substring(rest.indexOf(':') + 1))
            : options.torchThreads;
    rest = rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
    this.weights =
        WeightPrecision.parse(
            rest.contains("/") ? rest.substring(rest.indexOf('/') + 1) : options.weights);
    String engineName = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
    boolean lora = engineName.endsWith("+lora");
    engineName =
        lora ? engineName.substring(0, engineName.length() - "+lora".length()) : engineName;
    this.engineName = engineName;
    List<String> cmd = new ArrayList<>();
    cmd.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Bench.class.getName());
    cmd.addAll(
        List.of(
            "decode",
            "--engine",
            engineName,
            "--dir",
            options.dir.toString(),
            "--prompt",
            Integer.toString(options.promptLength),
            "--torch-threads",
            Integer.toString(threads),
            "--weights",
            weights.cliName(),
            "--heldout",
            options.heldout.toString(),
            "--lora-rank",
            Integer.toString(lora ? 8 : 0)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    if (policy.equalsIgnoreCase("default")) {
      pb.environment().remove("OMP_WAIT_POLICY"); // libgomp's default: spin briefly, then sleep
    } else if (!policy.equalsIgnoreCase("inherit")) {
      pb.environment().put("OMP_WAIT_POLICY", policy);
    }
    this.process = pb.start();
    this.in =
        new PrintWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.ready = read(DecodeCommand.READY);
  }

  Map<String, Object> request(String cmd) throws IOException {
    in.println(cmd);
    return read(DecodeCommand.RESULT);
  }

  private Map<String, Object> read(String prefix) throws IOException {
    for (String l; (l = out.readLine()) != null; ) {
      if (l.startsWith(prefix)) {
        return Json.MAPPER.readValue(
            l.substring(prefix.length()), new TypeReference<Map<String, Object>>() {});
      }
      System.err.println(l);
    }
    throw new IOException(name + " worker ended unexpectedly (exit " + exit() + ")");
  }

  private int exit() {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() {
    in.println("QUIT");
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroy();
      }
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
    }
  }
}
