/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.MultiLora;
import io.persona4j.adapters.lora.ServingAdapter;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.batch.BatchEngine;
import io.persona4j.core.generate.batch.FinishReason;
import io.persona4j.core.generate.batch.SequenceListener;
import io.persona4j.core.generate.batch.SequenceRequest;
import io.persona4j.core.model.llama.LlamaModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench serve-engine}: the batch engine alone (no HTTP), the base model against 10, 100
 * and 1,000 distinct adapters, in short blocks interleaved in a random order per repetition, so
 * that a shared machine's drift hits every configuration alike; ratios to the base model are paired
 * by repetition and reported with a 95% interval. Uses the model and adapters {@code bin/bench
 * serve} wrote.
 */
@Command(
    name = "serve-engine",
    mixinStandardHelpOptions = true,
    description =
        "Batch engine throughput with 0/10/100/1000 adapters, interleaved, paired ratios.")
final class ServeEngineBenchCommand implements Callable<Integer> {
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  @Option(
      names = "--dir",
      defaultValue = "target/bench-serve",
      description = "bin/bench serve's dir.")
  Path dir;

  @Option(
      names = "--model",
      defaultValue = "bench",
      description = "bench or small: which of bin/bench serve's models (default ${DEFAULT-VALUE}).")
  String modelSize;

  @Option(
      names = "--adapters",
      split = ",",
      defaultValue = "10,100,1000",
      description = "Distinct adapters per block (default ${DEFAULT-VALUE}).")
  List<Integer> counts;

  @Option(names = "--reps", defaultValue = "6", description = "Repetitions.")
  int reps;

  @Option(names = "--sequences", defaultValue = "32", description = "Sequences per block.")
  int sequences;

  @Option(names = "--max-tokens", defaultValue = "32", description = "Tokens per sequence.")
  int maxTokens;

  @Option(names = "--max-batch", defaultValue = "16", description = "Rows per pass.")
  int maxBatch;

  @Option(names = "--json", description = "Write the results here too.")
  Path json;

  @Override
  public Integer call() throws Exception {
    Path model = dir.resolve("model-" + modelSize);
    Path adapters = dir.resolve("adapters-" + modelSize + "-r8-q_proj+v_proj");
    int need = counts.stream().mapToInt(Integer::intValue).max().orElse(0);
    if (!Files.isDirectory(adapters.resolve("u" + (need - 1)))) {
      throw new IllegalStateException(
          adapters + " lacks " + need + " adapters: run bin/bench serve first");
    }
    Map<Integer, List<Double>> tps = new LinkedHashMap<>();
    Map<Integer, List<Double>> perCpu = new LinkedHashMap<>();
    tps.put(0, new ArrayList<>());
    perCpu.put(0, new ArrayList<>());
    counts.forEach(k -> tps.put(k, new ArrayList<>()));
    counts.forEach(k -> perCpu.put(k, new ArrayList<>()));
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        MultiLora ml = MultiLora.install(lm, maxBatch, m);
        BatchEngine engine =
            BatchEngine.builder()
                .setModel(lm)
                .optMaxBatch(maxBatch)
                .optMaxSequenceLength(512)
                .optRowAdapters(ml)
                .build()) {
      List<ServingAdapter> loaded = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < need; i++) {
        loaded.add(ServingAdapter.load(lm, adapters.resolve("u" + i), "u" + i, m));
      }
      System.err.printf(
          "bench serve-engine: %d adapters loaded in %.1f s%n",
          need, (System.nanoTime() - t0) / 1e9);
      block(engine, loaded, 0, 0); // warm-up
      Random order = new Random(7);
      List<Integer> ks = new ArrayList<>(tps.keySet());
      for (int rep = 0; rep < reps; rep++) {
        Collections.shuffle(ks, order);
        for (int k : ks) {
          double[] t = block(engine, loaded, k, rep);
          tps.get(k).add(t[0]);
          perCpu.get(k).add(t[1]);
          System.err.printf(
              "bench serve-engine: rep %d, %4d adapters: %.1f tokens/s, %.1f tokens per CPU-s%n",
              rep + 1, k, t[0], t[1]);
        }
      }
      loaded.forEach(ServingAdapter::close);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("machine", Machine.describe());
    out.put("tokens_per_second", tps);
    out.put("tokens_per_cpu_second", perCpu);
    out.put("wall", report(tps, "tokens/s"));
    out.put("cpu", report(perCpu, "tokens per CPU-second (the process's CPU time)"));
    if (json != null) {
      Json.write(json, out);
    }
    return 0;
  }

  /**
   * Paired ratios to the base model and 1,000 vs 10 adapters, printed as a table; {@code what}
   * names the measure.
   */
  private Map<String, Object> report(Map<Integer, List<Double>> tps, String what) {
    Map<String, Object> out = new LinkedHashMap<>();
    System.out.printf(
        "%n%s%n| adapters | mean of %d | vs base (paired) | 95%% interval |%n", what, reps);
    System.out.printf("| ---: | ---: | ---: | --- |%n");
    List<Double> base = tps.get(0);
    for (Map.Entry<Integer, List<Double>> e : tps.entrySet()) {
      double[] ratio = new double[reps];
      for (int i = 0; i < reps; i++) {
        ratio[i] = e.getValue().get(i) / base.get(i);
      }
      double[] ci = meanCi(ratio);
      System.out.printf(
          "| %d | %.1f | %.3fx | [%.3f, %.3f] |%n",
          e.getKey(), mean(e.getValue()), ci[0], ci[1], ci[2]);
      out.put("ratio_" + e.getKey(), ci);
    }
    if (tps.containsKey(10) && tps.containsKey(1000)) {
      double[] r = new double[reps];
      for (int i = 0; i < reps; i++) {
        r[i] = tps.get(1000).get(i) / tps.get(10).get(i);
      }
      double[] ci = meanCi(r);
      System.out.printf(
          "1000 vs 10 adapters (paired): %.3fx [%.3f, %.3f], i.e. %.1f%% lost%n",
          ci[0], ci[1], ci[2], 100 * (1 - ci[0]));
      out.put("ratio_1000_vs_10", ci);
    }
    return out;
  }

  /**
   * One block: {@code sequences} greedy sequences over {@code k} adapters; tokens per second of
   * wall time, and tokens per second of the process's CPU time (less sensitive to other processes
   * on a shared machine than wall time: time the scheduler gives to others is not counted).
   */
  private double[] block(BatchEngine engine, List<ServingAdapter> adapters, int k, int rep)
      throws Exception {
    SamplingConfig g = SamplingConfig.greedy(maxTokens, Set.of());
    int vocab = engine.model().config().vocabSize();
    CountDownLatch done = new CountDownLatch(sequences);
    AtomicLong tokens = new AtomicLong();
    long cpu0 = CPU.getProcessCpuTime();
    long t0 = System.nanoTime();
    for (int i = 0; i < sequences; i++) {
      long[] prompt = new long[20];
      for (int j = 0; j < prompt.length; j++) {
        prompt[j] = 3 + ((long) (rep * 131 + i) * 31 + j * 7) % (vocab - 3);
      }
      // Adapter of sequence i: the ith of a window that moves with the repetition, so blocks of
      // 1,000 adapters do not reuse the same few.
      Object a = k == 0 ? null : adapters.get((rep * sequences + i) % k);
      engine.submit(
          new SequenceRequest(prompt, g, a),
          new SequenceListener() {
            @Override
            public void onToken(long token) {
              tokens.incrementAndGet();
            }

            @Override
            public void onFinish(FinishReason reason, Throwable error) {
              done.countDown();
            }
          });
    }
    done.await();
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (CPU.getProcessCpuTime() - cpu0) / 1e9;
    return new double[] {tokens.get() / wall, tokens.get() / cpu};
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** Mean and a 95% t-interval (two-sided) of {@code xs}. */
  static double[] meanCi(double[] xs) {
    int n = xs.length;
    double m = 0;
    for (double x : xs) {
      m += x;
    }
    m /= n;
    double v = 0;
    for (double x : xs) {
      v += (x - m) * (x - m);
    }
    double sd = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
    double[] t = { // Student's t, 0.975 quantile, by degrees of freedom
      Double.NaN,
      12.706,
      4.303,
      3.182,
      2.776,
      2.571,
      2.447,
      2.365,
      2.306,
      2.262,
      2.228,
      2.201,
      2.179,
      2.160,
      2.145,
      2.131,
      2.120,
      2.110,
      2.101,
      2.093,
      2.086,
      2.080,
      2.074,
      2.069,
      2.064,
      2.060,
      2.056,
      2.052,
      2.048,
      2.045,
      2.042
    };
    double tq = n - 1 < t.length ? t[n - 1] : n - 1 <= 60 ? 2.042 : 2.0; // conservative beyond 30
    double h = tq * sd / Math.sqrt(n);
    return new double[] {m, m - h, m + h};
  }
}
