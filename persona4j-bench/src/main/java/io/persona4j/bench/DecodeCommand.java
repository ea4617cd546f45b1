/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prefill and decode throughput of Persona4j and Jlama on one random ~100M-parameter F32
 * checkpoint.
 *
 * <p>Without {@code --engine} this is the driver. It starts one worker JVM per engine (so that peak
 * RSS is attributable to an engine), warms both up, then interleaves their measured runs one by
 * one, alternating which goes first, so that both see the same machine conditions; the ratio of
 * each adjacent pair of runs is reported besides the medians. With {@code --engine} this is a
 * worker: it loads the model and answers {@code RUN <batch> <newTokens>}, {@code STATS} and {@code
 * QUIT} lines on stdin with one JSON line each on stdout.
 */
@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    description = "Greedy decoding tokens/s: Persona4j vs Jlama, batch 1 and batch 8.")
final class DecodeCommand implements Callable<Integer> {
  static final String READY = "BENCH-READY ";
  static final String RESULT = "BENCH-RESULT ";

  @Option(names = "--dir", description = "checkpoint cache dir (default ${DEFAULT-VALUE})")
  Path dir = Path.of("target/bench-model");

  @Option(
      names = "--engine",
      description = "worker mode: load this engine (persona4j|jlama) and serve RUN requests")
  String engine;

  @Option(
      names = "--engines",
      split = ",",
      description =
          "engines to compare, each in its own JVM: persona4j or jlama, optionally ':N' for N"
              + " PyTorch threads and '@POLICY' for that worker's OMP_WAIT_POLICY (PASSIVE,"
              + " ACTIVE, default = unset), e.g. persona4j:1@default. Ratios are against the last"
              + " jlama entry (default ${DEFAULT-VALUE})")
  List<String> engines = List.of("persona4j", "jlama");

  @Option(names = "--prompt", description = "prompt tokens per row (default ${DEFAULT-VALUE})")
  int promptLength = 64;

  @Option(names = "--new", description = "new tokens per row (default ${DEFAULT-VALUE})")
  int newTokens = 64;

  @Option(names = "--batches", split = ",", description = "batch sizes (default ${DEFAULT-VALUE})")
  int[] batches = {1, 8};

  @Option(
      names = "--runs",
      description = "measured runs per engine at batch 1, interleaved (default ${DEFAULT-VALUE})")
  int runs = 6;

  @Option(
      names = "--runs-batched",
      description = "measured runs per engine at batch > 1 (default ${DEFAULT-VALUE})")
  int runsBatched = 2;

  @Option(
      names = "--warmup",
      description =
          "warmup runs per engine at batch 1 (32 new tokens); 1 at each batch > 1"
              + " (default ${DEFAULT-VALUE})")
  int warmup = 3;

  @Option(
      names = "--omp-wait-policy",
      description =
          "OMP_WAIT_POLICY for the worker JVMs (PyTorch's OpenMP threads): PASSIVE, ACTIVE,"
              + " 'default' (unset: libgomp spins briefly, then sleeps) or 'inherit' (default"
              + " ${DEFAULT-VALUE}, as bin/java-home.sh sets). Spinning is faster on an idle"
              + " machine and up to 10x slower on a busy one; see docs/BENCHMARKS.md.")
  String ompWaitPolicy = "PASSIVE";

  @Option(
      names = "--torch-threads",
      description = "PyTorch intra-op threads for Persona4j (0 = DJL's default, one per core)")
  int torchThreads = 0;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    LlamaConfig config = BenchCheckpoint.config();
    if (engine != null) {
      return worker(config);
    }
    return driver(config);
  }

  static List<long[]> prompts(int b, int length, int vocab) {
    List<long[]> p = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      SplittableRandom rnd = new SplittableRandom(1000 + r);
      long[] ids = new long[length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = 3 + rnd.nextInt(vocab - 3);
      }
      p.add(ids);
    }
    return p;
  }

  private static String line(Object value) throws JsonProcessingException {
    return Json.MAPPER
        .writer()
        .without(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsString(value);
  }

  // ---------------------------------------------------------------- worker (one engine, this JVM)

  private int worker(LlamaConfig config) throws Exception {
    PrintWriter out =
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("engine", engine);
    ready.put("rss_before_load_mib", Rss.currentMib());
    if (engine.equals("persona4j") && torchThreads > 0) {
      TensorRuntime.engine();
      JniUtils.setNumThreads(torchThreads);
    }
    long t0 = System.nanoTime();
    try (DecodeEngine e = DecodeEngine.open(engine, dir, config)) {
      ready.put("load_seconds", (System.nanoTime() - t0) / 1e9);
      ready.put("rss_after_load_mib", Rss.currentMib());
      ready.put("peak_rss_after_load_mib", Rss.peakMib());
      ready.put("omp_wait_policy", System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
      if (engine.equals("persona4j")) {
        ready.put("torch_intra_op_threads", JniUtils.getNumThreads());
      }
      out.println(READY + line(ready));
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String cmd; (cmd = in.readLine()) != null; ) {
        String[] w = cmd.trim().split("\\s+");
        Map<String, Object> r = new LinkedHashMap<>();
        switch (w[0]) {
          case "RUN" -> {
            int b = Integer.parseInt(w[1]);
            int n = Integer.parseInt(w[2]);
            DecodeEngine.Run run = e.generate(prompts(b, promptLength, config.vocabSize()), n);
            r.put("batch", b);
            r.put("prefill_tokens_per_s", run.prefillTokensPerSecond());
            r.put("decode_tokens_per_s", run.decodeTokensPerSecond());
            r.put("first_row_tokens", run.firstRow());
            r.put("peak_rss_mib", Rss.peakMib());
          }
          case "STATS" -> {
            r.put("peak_rss_mib", Rss.peakMib());
            r.put("rss_mib", Rss.currentMib());
            r.put("rss_anon_mib", Rss.anonMib());
            r.put("rss_file_mib", Rss.fileMib());
            r.put("heap_committed_mib", Runtime.getRuntime().totalMemory() / 1048576.0);
          }
          case "QUIT" -> {
            return 0;
          }
          default -> r.put("error", "unknown command: " + cmd);
        }
        out.println(RESULT + line(r));
      }
    }
    return 0;
  }

  // ---------------------------------------------------------------- driver (spawns the workers)

  /** A worker JVM and its line protocol. */
  private final class Worker implements AutoCloseable {
    final String name;
    final Process process;
    final PrintWriter in;
    final BufferedReader out;
    final Map<String, Object> ready;

    Worker(String spec) throws IOException {
      this.name = spec;
      String policy = ompWaitPolicy;
      String rest = spec;
      if (rest.contains("@")) {
        policy = rest.substring(rest.indexOf('@') + 1);
        rest = rest.substring(0, rest.indexOf('@'));
      }
      String engineName = rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
      int threads =
          rest.contains(":")
              ? Integer.parseInt(rest.substring(rest.indexOf(':') + 1))
              : torchThreads;
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
              dir.toString(),
              "--prompt",
              Integer.toString(promptLength),
              "--torch-threads",
              Integer.toString(threads)));
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
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.ready = read(READY);
    }

    Map<String, Object> request(String cmd) throws IOException {
      in.println(cmd);
      return read(RESULT);
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

  private int driver(LlamaConfig config) throws Exception {
    Map<String, Object> machine = Machine.describeAndPrint();
    System.out.printf(
        Locale.ROOT,
        "model: llama, hidden %d, %d layers, %d heads / %d KV heads (head_dim %d), MLP %d, vocab"
            + " %d, tied embeddings, F32: %,d parameters (%.1f MB of weights)%n",
        config.hiddenSize(),
        config.numHiddenLayers(),
        config.numAttentionHeads(),
        config.numKeyValueHeads(),
        config.headDim(),
        config.intermediateSize(),
        config.vocabSize(),
        config.parameterCount(),
        config.parameterCount() * 4 / 1e6);
    System.out.printf(
        "workload: greedy, prompt %d tokens, %d new tokens, batches %s; %d interleaved runs per"
            + " engine at batch 1, %d at larger batches; OMP_WAIT_POLICY %s; torch threads %s%n",
        promptLength,
        newTokens,
        Arrays.toString(batches),
        runs,
        runsBatched,
        ompWaitPolicy,
        torchThreads > 0 ? Integer.toString(torchThreads) : "default");
    BenchCheckpoint.ensure(dir, config);

    Map<String, Object> all = new LinkedHashMap<>();
    List<Map<String, Object>> summary = new ArrayList<>();
    Map<String, Map<String, Object>> stats = new LinkedHashMap<>();
    Map<String, Map<String, Object>> readies = new LinkedHashMap<>();
    Map<String, List<Map<String, Object>>> measured = new LinkedHashMap<>();
    int e = engines.size();
    int ref = engines.lastIndexOf("jlama");
    if (ref < 0) {
      throw new IllegalArgumentException("--engines needs a jlama entry to compare against");
    }
    long[][] firstRows = new long[e][];
    List<Worker> ws = new ArrayList<>();
    try {
      for (String spec : engines) {
        Worker w = new Worker(spec);
        ws.add(w);
        readies.put(w.name, w.ready);
        measured.put(w.name, new ArrayList<>());
        System.err.printf(
            Locale.ROOT, "bench: %s loaded in %.1f s%n", w.name, num(w.ready.get("load_seconds")));
      }
      System.err.println("bench: warming up");
      for (int i = 0; i < warmup; i++) {
        for (Worker w : ws) {
          w.request("RUN 1 " + Math.min(newTokens, 32));
        }
      }
      for (int b : batches) {
        if (b > 1) {
          for (Worker w : ws) {
            w.request("RUN " + b + " " + Math.min(newTokens, 16));
          }
        }
        int n = b == 1 ? runs : runsBatched;
        double[][] prefill = new double[e][n];
        double[][] decode = new double[e][n];
        for (int i = 0; i < n; i++) {
          StringBuilder line = new StringBuilder();
          for (int step = 0; step < e; step++) {
            int k = (i + step) % e; // rotate which engine goes first
            Map<String, Object> r = ws.get(k).request("RUN " + b + " " + newTokens);
            r.put("pair", i);
            measured.get(ws.get(k).name).add(r);
            prefill[k][i] = num(r.get("prefill_tokens_per_s"));
            decode[k][i] = num(r.get("decode_tokens_per_s"));
            if (b == batches[0] && firstRows[k] == null) {
              firstRows[k] = toLongs(r.get("first_row_tokens"));
            }
          }
          for (int k = 0; k < e; k++) {
            line.append(
                String.format(
                    Locale.ROOT,
                    "  %s prefill %.1f decode %.1f",
                    ws.get(k).name,
                    prefill[k][i],
                    decode[k][i]));
          }
          System.err.printf("bench: batch %d round %d:%s%n", b, i + 1, line);
        }
        for (int k = 0; k < e; k++) {
          if (k != ref) {
            summary.add(
                summarize(b, engines.get(k), prefill[k], decode[k], prefill[ref], decode[ref]));
          }
        }
      }
      for (Worker w : ws) {
        stats.put(w.name, w.request("STATS"));
      }
    } finally {
      for (Worker w : ws) {
        w.close();
      }
    }

    System.out.println();
    System.out.println(
        "| batch | engine | prefill tok/s | Jlama prefill tok/s | ratio | decode tok/s"
            + " | Jlama decode tok/s | ratio (median of rounds, min-max) |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (Map<String, Object> s : summary) {
      int b = (int) s.get("batch");
      String seq = b > 1 ? " (sequential)" : "";
      System.out.printf(
          Locale.ROOT,
          "| %d | %s | %.1f | %.1f%s | %.2f | %.1f | %.1f%s | %.2f (%.2f-%.2f) |%n",
          b,
          s.get("engine"),
          num(s.get("prefill_tokens_per_s")),
          num(s.get("jlama_prefill_tokens_per_s")),
          seq,
          num(s.get("prefill_ratio")),
          num(s.get("decode_tokens_per_s")),
          num(s.get("jlama_decode_tokens_per_s")),
          seq,
          num(s.get("decode_ratio")),
          num(s.get("decode_ratio_min")),
          num(s.get("decode_ratio_max")));
    }
    System.out.println();
    System.out.println(
        "| engine | RSS before load MiB | peak RSS after load MiB | peak RSS at end MiB"
            + " | RSS at end: anon / file MiB | Java heap committed MiB |");
    System.out.println("|---|---|---|---|---|---|");
    for (String name : engines) {
      Map<String, Object> r = readies.get(name);
      Map<String, Object> st = stats.get(name);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f | %.0f | %.0f | %.0f / %.0f | %.0f |%n",
          name,
          num(r.get("rss_before_load_mib")),
          num(r.get("peak_rss_after_load_mib")),
          num(st.get("peak_rss_mib")),
          num(st.get("rss_anon_mib")),
          num(st.get("rss_file_mib")),
          num(st.get("heap_committed_mib")));
    }
    System.out.println();
    int same = Integer.MAX_VALUE;
    for (int k = 0; k < e; k++) {
      int n = 0;
      while (n < Math.min(firstRows[k].length, firstRows[ref].length)
          && firstRows[k][n] == firstRows[ref][n]) {
        n++;
      }
      same = Math.min(same, n);
      if (k != ref) {
        System.out.printf(
            "greedy tokens (batch %d, row 0): %s and jlama agree on the first %d of %d%n",
            batches[0], engines.get(k), n, firstRows[k].length);
      }
    }

    if (json != null) {
      all.put("machine", machine);
      all.put("model", config);
      all.put("parameters", config.parameterCount());
      Map<String, Object> workload = new LinkedHashMap<>();
      workload.put("prompt_tokens", promptLength);
      workload.put("new_tokens", newTokens);
      workload.put("batches", batches);
      workload.put("runs_batch1", runs);
      workload.put("runs_batched", runsBatched);
      workload.put("warmup", warmup);
      workload.put("omp_wait_policy", ompWaitPolicy);
      workload.put("torch_threads", torchThreads);
      workload.put("engines", engines);
      all.put("workload", workload);
      all.put("summary", summary);
      all.put("identical_greedy_prefix", same);
      all.put("load", readies);
      all.put("memory_at_end", stats);
      all.put("runs", measured);
      Json.write(json, all);
    }
    return 0;
  }

  private static Map<String, Object> summarize(
      int b,
      String engine,
      double[] prefill,
      double[] decode,
      double[] jPrefill,
      double[] jDecode) {
    int n = prefill.length;
    double[] pr = new double[n];
    double[] dr = new double[n];
    for (int i = 0; i < n; i++) {
      pr[i] = prefill[i] / jPrefill[i];
      dr[i] = decode[i] / jDecode[i];
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("batch", b);
    s.put("engine", engine);
    s.put("prefill_tokens_per_s", median(prefill));
    s.put("jlama_prefill_tokens_per_s", median(jPrefill));
    s.put("prefill_ratio", median(pr));
    s.put("decode_tokens_per_s", median(decode));
    s.put("jlama_decode_tokens_per_s", median(jDecode));
    s.put("decode_ratio", median(dr));
    s.put("decode_ratio_min", Arrays.stream(dr).min().orElse(Double.NaN));
    s.put("decode_ratio_max", Arrays.stream(dr).max().orElse(Double.NaN));
    s.put("decode_runs", decode);
    s.put("jlama_decode_runs", jDecode);
    s.put("prefill_runs", prefill);
    s.put("jlama_prefill_runs", jPrefill);
    return s;
  }

  @SuppressWarnings("unchecked")
  private static long[] toLongs(Object o) {
    return ((List<Number>) o).stream().mapToLong(Number::longValue).toArray();
  }

  private static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
