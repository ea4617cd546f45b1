/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.kernel.KernelTimer;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a batch-1 decode step goes ({@code bin/bench decode --profile}): PyTorch ops per step and
 * their time (PyTorch's own profiler, through DJL's {@code JniUtils.startProfile}), the time in the
 * Java kernel's projection calls ({@link KernelTimer}), and the whole step. Every figure is the
 * difference between a generation of {@code steps + 1} tokens and one of 1 token (the prompt pass
 * and its first token), divided by {@code steps}: decode steps only, prefill excluded. The split of
 * a step into PyTorch ops, kernel calls and the rest (DJL/JNI overhead, Java glue) is taken within
 * the profiled runs, which the profiler slows down; the unprofiled step and kernel times are
 * reported besides.
 *
 * <p>Only top-level ops are counted (an op called by another op, e.g. {@code aten::mm} inside
 * {@code aten::linear}, is part of its caller). Profiled runs are slower than unprofiled ones, so
 * the op times come from the profiled runs and the step and kernel times from unprofiled ones.
 */
final class DecodeProfile {
  private DecodeProfile() {}

  /** Totals of one chrome trace: top-level op count and time, by op name. */
  record Trace(
      long ops, double opMicros, Map<String, Long> countByName, Map<String, Double> usByName) {}

  static Map<String, Object> run(LlamaModel model, long[] prompt, int steps) throws IOException {
    generate(model, prompt, 1 + steps); // warm (JIT, allocator)
    KernelTimer.start();
    GenerationResult one = generate(model, prompt, 1);
    long kernelOne = KernelTimer.nanos();
    long callsOne = KernelTimer.calls();
    KernelTimer.start();
    GenerationResult many = generate(model, prompt, 1 + steps);
    long kernelMany = KernelTimer.nanos();
    long callsMany = KernelTimer.calls();
    KernelTimer.stop();
    Path dir = Files.createTempDirectory("persona4j-decode-profile");
    try {
      KernelTimer.start();
      Profiled p1 = profiled(model, prompt, 1, dir.resolve("one.json"));
      long pk1 = KernelTimer.nanos();
      KernelTimer.start();
      Profiled pn = profiled(model, prompt, 1 + steps, dir.resolve("many.json"));
      long pkn = KernelTimer.nanos();
      KernelTimer.stop();
      Trace t1 = p1.trace();
      Trace tn = pn.trace();
      double stepMs = (wall(many) - wall(one)) / 1e6 / steps;
      double kernelMs = (kernelMany - kernelOne) / 1e6 / steps;
      double pStepMs = (pn.wallNanos() - p1.wallNanos()) / 1e6 / steps;
      double pOpMs = (tn.opMicros() - t1.opMicros()) / 1e3 / steps;
      double pKernelMs = (pkn - pk1) / 1e6 / steps;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("decode_steps", steps);
      r.put("step_ms", stepMs);
      r.put("kernel_ms_per_step", kernelMs);
      r.put("kernel_calls_per_step", (double) (callsMany - callsOne) / steps);
      r.put("torch_ops_per_step", (double) (tn.ops() - t1.ops()) / steps);
      r.put("profiled_step_ms", pStepMs);
      r.put("profiled_torch_op_ms_per_step", pOpMs);
      r.put("profiled_kernel_ms_per_step", pKernelMs);
      r.put("profiled_rest_ms_per_step", pStepMs - pOpMs - pKernelMs);
      List<Map<String, Object>> byName = new ArrayList<>();
      tn.countByName().entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
          .forEach(
              e -> {
                double per =
                    (double) (e.getValue() - t1.countByName().getOrDefault(e.getKey(), 0L)) / steps;
                if (per > 0) {
                  Map<String, Object> o = new LinkedHashMap<>();
                  o.put("op", e.getKey());
                  o.put("per_step", per);
                  o.put(
                      "ms_per_step_profiled",
                      (tn.usByName().get(e.getKey()) - t1.usByName().getOrDefault(e.getKey(), 0.0))
                          / 1e3
                          / steps);
                  byName.add(o);
                }
              });
      r.put("ops_by_name", byName);
      return r;
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static GenerationResult generate(LlamaModel model, long[] prompt, int n) {
    return new Generator(model)
        .generate(List.of(prompt), SamplingConfig.greedy(n, Set.of()), TokenListener.NONE);
  }

  /** A profiled generation: its wall time and its trace. */
  record Profiled(long wallNanos, Trace trace) {}

  private static long wall(GenerationResult r) {
    return r.prefillNanos() + r.decodeNanos();
  }

  private static Profiled profiled(LlamaModel model, long[] prompt, int n, Path file)
      throws IOException {
    long t0;
    long t1;
    JniUtils.startProfile(false, false, false);
    try {
      t0 = System.nanoTime();
      generate(model, prompt, n);
      t1 = System.nanoTime();
    } finally {
      JniUtils.stopProfile(file.toString());
    }
    return new Profiled(t1 - t0, parse(file));
  }

  /**
   * Top-level complete events ({@code "ph": "X"}) of a chrome trace: per thread, an event that
   * starts before the previous top-level one ends is nested in it and not counted.
   */
  static Trace parse(Path chromeTrace) throws IOException {
    JsonNode root = Json.MAPPER.readTree(chromeTrace.toFile());
    JsonNode events = root.isArray() ? root : root.path("traceEvents");
    Map<String, List<double[]>> byThread = new HashMap<>(); // tid -> [ts, dur, name index]
    List<String> names = new ArrayList<>();
    Map<String, Integer> nameIndex = new HashMap<>();
    for (JsonNode e : events) {
      if (!"X".equals(e.path("ph").asText())) {
        continue;
      }
      String name = e.path("name").asText();
      if (name.startsWith("PyTorch Profiler") || name.startsWith("ProfilerStep")) {
        continue;
      }
      int idx =
          nameIndex.computeIfAbsent(
              name,
              k -> {
                names.add(k);
                return names.size() - 1;
              });
      byThread
          .computeIfAbsent(
              e.path("pid").asText() + "/" + e.path("tid").asText(), k -> new ArrayList<>())
          .add(new double[] {e.path("ts").asDouble(), e.path("dur").asDouble(), idx});
    }
    long ops = 0;
    double us = 0;
    Map<String, Long> count = new HashMap<>();
    Map<String, Double> time = new HashMap<>();
    for (List<double[]> list : byThread.values()) {
      list.sort(Comparator.<double[]>comparingDouble(a -> a[0]).thenComparingDouble(a -> -a[1]));
      double end = Double.NEGATIVE_INFINITY;
      for (double[] ev : list) {
        if (ev[0] >= end) {
          end = ev[0] + ev[1];
          ops++;
          us += ev[1];
          String name = names.get((int) ev[2]);
          count.merge(name, 1L, Long::sum);
          time.merge(name, ev[1], Double::sum);
        }
      }
    }
    return new Trace(ops, us, count, time);
  }
}
