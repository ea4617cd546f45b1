/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.TensorRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the numbers were measured on. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", cpuModel());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memory_gib", Math.round(memTotalKib() / 1024.0 / 1024.0 * 10) / 10.0);
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put(
        "jdk",
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version"));
    Engine e = TensorRuntime.engine();
    m.put("djl", Engine.getDjlVersion());
    m.put("pytorch", e.getVersion());
    m.put("torch_intra_op_threads", JniUtils.getNumThreads());
    m.put("torch_inter_op_threads", JniUtils.getNumInteropThreads());
    m.put("jlama", "0.8.4 (Panama Vector API, no jlama-native)");
    return m;
  }

  /**
   * {@link #describe()}, printed on stdout under {@code machine:} first (each benchmark's header).
   */
  static Map<String, Object> describeAndPrint() {
    Map<String, Object> machine = describe();
    System.out.println("machine:");
    machine.forEach((k, v) -> System.out.printf("  %-24s %s%n", k, v));
    return machine;
  }

  static String cpuModel() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      String model = null;
      String flags = "";
      for (String l : lines) {
        if (model == null && l.startsWith("model name")) {
          model = l.substring(l.indexOf(':') + 1).trim();
        }
        if (l.startsWith("flags")) {
          flags = l;
        }
      }
      StringBuilder s = new StringBuilder(model == null ? "unknown" : model);
      for (String f : new String[] {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}) {
        if (flags.contains(" " + f)) {
          s.append(' ').append(f.toUpperCase());
        }
      }
      return s.toString();
    } catch (IOException e) {
      return System.getProperty("os.arch");
    }
  }

  private static long memTotalKib() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return 0;
  }
}
