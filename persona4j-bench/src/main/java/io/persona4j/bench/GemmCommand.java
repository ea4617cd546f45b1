/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The machine's ceilings through DJL/PyTorch: square fp32 matmul GFLOP/s (compute), a streaming
 * reduction's GB/s (memory bandwidth, what bounds batch-1 decoding), and the cost of one tiny op
 * (what bounds tiny models).
 */
@Command(
    name = "gemm",
    mixinStandardHelpOptions = true,
    description = "fp32 matmul GFLOP/s, memory bandwidth and per-op overhead through DJL.")
final class GemmCommand implements Callable<Integer> {
  @Option(
      names = "--sizes",
      split = ",",
      description = "square matrix sizes (default ${DEFAULT-VALUE})")
  int[] sizes = {1024, 2048};

  @Option(
      names = "--trials",
      description = "timed trials per size, best reported (default ${DEFAULT-VALUE})")
  int trials = 7;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> machine = Machine.describeAndPrint();
    List<Map<String, Object>> gemm = new ArrayList<>();
    try (NDManager m = TensorRuntime.newManager()) {
      for (int n : sizes) {
        double best = 0;
        double[] all = new double[trials];
        try (NDManager s = m.newSubManager()) {
          NDArray a = s.randomUniform(-1, 1, new Shape(n, n));
          NDArray b = s.randomUniform(-1, 1, new Shape(n, n));
          double flop = 2.0 * n * n * n;
          int reps = Math.max(1, (int) (2e10 / flop)); // ~0.1 s per trial at 200 GFLOP/s
          for (int w = 0; w < 2; w++) {
            a.matMul(b).close();
          }
          for (int t = 0; t < trials; t++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
              a.matMul(b).close();
            }
            double gflops = flop * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
            all[t] = gflops;
            best = Math.max(best, gflops);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "gemm n=%d: best %.1f GFLOP/s, median %.1f%n",
            n,
            best,
            DecodeCommand.median(all));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("n", n);
        r.put("best_gflops", best);
        r.put("median_gflops", DecodeCommand.median(all));
        r.put("trials_gflops", all);
        gemm.add(r);
      }
      double bandwidth = bandwidth(m);
      System.out.printf(
          Locale.ROOT, "memory read bandwidth (sum over 256 MiB): best %.1f GB/s%n", bandwidth);
      double opMicros = opOverhead(m);
      System.out.printf(Locale.ROOT, "one tiny op ([8,64] add, new result): %.1f us%n", opMicros);
      if (json != null) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("machine", machine);
        all.put("gemm", gemm);
        all.put("memory_read_gb_per_s", bandwidth);
        all.put("tiny_op_micros", opMicros);
        Json.write(json, all);
      }
    }
    return 0;
  }

  private double bandwidth(NDManager m) {
    try (NDManager s = m.newSubManager()) {
      NDArray x = s.ones(new Shape(64L << 20)); // 64 Mi floats = 256 MiB
      double best = 0;
      for (int t = 0; t < trials + 2; t++) {
        long t0 = System.nanoTime();
        x.sum().close();
        double gbs = x.size() * 4.0 / ((System.nanoTime() - t0) / 1e9) / 1e9;
        if (t >= 2) {
          best = Math.max(best, gbs);
        }
      }
      return best;
    }
  }

  private double opOverhead(NDManager m) {
    try (NDManager s = m.newSubManager()) {
      NDArray x = s.ones(new Shape(8, 64));
      double best = Double.MAX_VALUE;
      for (int t = 0; t < trials; t++) {
        int n = 20000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          x.add(1f).close();
        }
        best = Math.min(best, (System.nanoTime() - t0) / 1e3 / n);
      }
      return best;
    }
  }
}
