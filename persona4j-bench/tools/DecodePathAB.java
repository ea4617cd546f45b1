/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.DecoderCache;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Batch-1 decode in one JVM, in pairs: the whole step in the JVM (a {@link KvCache} that lends its
 * memory) against the previous path (the same cache behind a {@link DecoderCache} that does not:
 * sub-block passes on the kernel, attention and cache writes on PyTorch, 227 ops per step). Prints
 * wall and process CPU time per token of each run and the per-pair speed-ups; CPU time per token
 * is far less disturbed by other processes than wall time. Run with the java source launcher on
 * the bench jar's classpath (bin/bench builds it):
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true \
 *   -cp "$(ls persona4j-bench/target/lib/*.jar | tr '\n' ':')" persona4j-bench/tools/DecodePathAB.java \
 *   target/bench-model F32 12
 * </pre>
 *
 * Arguments: checkpoint directory (bin/bench decode writes target/bench-model), F32|BF16|INT8,
 * number of pairs. 64-token prompt, 32 new tokens, greedy.
 */
public class DecodePathAB {
  /** The same cache, lending no memory: every step takes the previous path. */
  record Opaque(KvCache c) implements DecoderCache {
    @Override
    public NDArray[] append(int layer, NDArray k, NDArray v) {
      return c.append(layer, k, v);
    }

    @Override
    public void advance(int t) {
      c.advance(t);
    }
  }

  static final int PROMPT = 64;
  static final int NEW = 32;

  /** Wall and process CPU milliseconds per decoded token. */
  static double[] run(LlamaModel model, NDManager m, boolean jvm) {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (NDManager s = m.newSubManager();
        KvCache cache = model.newCache(s, 1, PROMPT + NEW)) {
      DecoderCache dc = jvm ? cache : new Opaque(cache);
      long[] ids = new long[PROMPT];
      long[] pos = new long[PROMPT];
      for (int i = 0; i < PROMPT; i++) {
        ids[i] = 1 + (i * 7919L) % (model.config().vocabSize() - 1);
        pos[i] = i;
      }
      boolean[][] valid = new boolean[1][PROMPT];
      Arrays.fill(valid[0], true);
      long next;
      try (NDManager t = s.newSubManager()) {
        NDArray e = model.embed(t.create(ids, new Shape(1, PROMPT)));
        NDArray mask = AttentionMask.causal(valid, 0, PROMPT, 0, t);
        NDArray h = model.hidden(e, t.create(pos, new Shape(1, PROMPT)), mask, dc);
        next = model.lmHead(h.get(":, -1, :")).argMax().toLongArray()[0];
      }
      long c0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (int i = 0; i < NEW; i++) {
        try (NDManager t = s.newSubManager()) {
          NDArray e = model.embed(t.create(new long[] {next}, new Shape(1, 1)));
          NDArray h = model.hidden(e, t.create(new long[] {PROMPT + i}, new Shape(1, 1)), null, dc);
          next = model.lmHead(h).argMax().toLongArray()[0];
        }
      }
      return new double[] {
        (System.nanoTime() - t0) / 1e6 / NEW, (os.getProcessCpuTime() - c0) / 1e6 / NEW
      };
    }
  }

  static String summary(List<Double> x) {
    Collections.sort(x);
    return "%.2f (%.2f-%.2f)".formatted(x.get(x.size() / 2), x.get(0), x.get(x.size() - 1));
  }

  public static void main(String[] args) throws Exception {
    WeightPrecision p = WeightPrecision.valueOf(args[1]);
    int pairs = Integer.parseInt(args[2]);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(Path.of(args[0]), m, p)) {
      for (int w = 0; w < 2; w++) { // warm-up (JIT)
        run(model, m, true);
        run(model, m, false);
      }
      long before = model.decodeStepsInJvm();
      List<Double> wall = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      for (int i = 0; i < pairs; i++) {
        double[] x;
        double[] y;
        if (i % 2 == 0) {
          x = run(model, m, true);
          y = run(model, m, false);
        } else {
          y = run(model, m, false);
          x = run(model, m, true);
        }
        wall.add(y[0] / x[0]);
        cpu.add(y[1] / x[1]);
        System.out.printf(
            "pair %d: jvm step %.1f ms wall %.1f ms cpu; previous path %.1f ms wall %.1f ms cpu%n",
            i, x[0], x[1], y[0], y[1]);
      }
      System.out.printf(
          "%s: %d pairs, speed-up jvm/previous: wall median %s, cpu per token median %s;"
              + " JVM steps %d%n",
          p, pairs, summary(wall), summary(cpu), model.decodeStepsInJvm() - before);
    }
  }
}
