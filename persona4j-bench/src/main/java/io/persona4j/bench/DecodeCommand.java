/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.kernel.WeightPrecision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
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
          "engines to compare, each in its own JVM: persona4j, persona4j+lora (an active rank-8"
              + " LoRA adapter on every linear layer) or jlama, optionally '/W' for its"
              + " weights (f32, bf16, int8; default --weights), ':N' for N PyTorch threads and"
              + " '@POLICY' for that worker's OMP_WAIT_POLICY (PASSIVE, ACTIVE, default = unset),"
              + " e.g. persona4j/int8:1@default. Ratios are against the last jlama entry with the"
              + " same weights, else the last jlama entry (default ${DEFAULT-VALUE})")
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

  @Option(
      names = "--weights",
      description =
          "weights of every engine without its own '/W': f32 (reference), bf16 or int8"
              + " (Persona4j: packed for its decode kernel; Jlama: its BF16 / I8 types)"
              + " (default ${DEFAULT-VALUE})")
  String weights = "f32";

  @Option(
      names = "--heldout",
      description =
          "held-out text for the perplexity of each Persona4j worker: the titles of this"
              + " MovieLens movies.csv, bytes mapped onto the vocabulary (default"
              + " ${DEFAULT-VALUE})")
  Path heldout = Path.of("../shared/data/movielens-small/movies.csv");

  @Option(
      names = "--lora-rank",
      description =
          "worker mode: an unmerged LoRA adapter of this rank on every linear layer, active while"
              + " decoding (B = 0: the same tokens, the full cost); engines name it with '+lora',"
              + " e.g. persona4j+lora/int8 (rank 8)")
  int loraRank = 0;

  @Option(
      names = "--profile",
      description =
          "also profile --new batch-1 decode steps of every Persona4j engine after the runs:"
              + " PyTorch ops per step and their time (PyTorch's profiler), time in the Java"
              + " kernel's projection calls, the rest (small ops, JNI/DJL overhead)")
  boolean profile;

  @Option(
      names = "--lora-pairs",
      description =
          "also, for every '+lora' engine, this many pairs of batch-1 runs in its own JVM with"
              + " the adapter active and inactive in turn (--new tokens): the adapter's cost"
              + " without the noise between worker JVMs (default ${DEFAULT-VALUE}: off)")
  int loraPairs = 0;

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
    if (engine.startsWith("persona4j") && torchThreads > 0) {
      TensorRuntime.engine();
      JniUtils.setNumThreads(torchThreads);
    }
    long t0 = System.nanoTime();
    WeightPrecision precision = WeightPrecision.parse(weights);
    try (DecodeEngine e = DecodeEngine.open(engine, dir, config, precision, loraRank)) {
      ready.put("load_seconds", (System.nanoTime() - t0) / 1e9);
      ready.put("weights", precision.cliName());
      ready.put("decode_weight_bytes", e.decodeWeightBytes());
      ready.put("rss_after_load_mib", Rss.currentMib());
      ready.put("peak_rss_after_load_mib", Rss.peakMib());
      ready.put("omp_wait_policy", System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
      if (engine.startsWith("persona4j")) {
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
          case "PPL" -> {
            if (e instanceof DecodeEngine.Persona4j p) {
              r.put("perplexity", p.perplexity(heldoutSequences(heldout, config.vocabSize())));
            }
          }
          case "LORAPAIRS" -> {
            if (e instanceof DecodeEngine.Persona4j p) {
              r.putAll(
                  p.loraPairs(
                      prompts(1, promptLength, config.vocabSize()).get(0),
                      Integer.parseInt(w[2]),
                      Integer.parseInt(w[1])));
            }
          }
          case "PROFILE" -> {
            if (e instanceof DecodeEngine.Persona4j p) {
              int n = Integer.parseInt(w[1]);
              r.putAll(p.profile(prompts(1, promptLength, config.vocabSize()).get(0), n));
            }
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
    double bandwidth = MemoryBandwidth.measureGBs();
    System.out.printf(
        Locale.ROOT,
        "memory bandwidth: %.1f GB/s (best of 5 read passes over 512 MiB, %d threads; on a shared"
            + " machine a lower bound of the idle figure)%n",
        bandwidth,
        Runtime.getRuntime().availableProcessors());

    Map<String, Object> all = new LinkedHashMap<>();
    List<Map<String, Object>> summary = new ArrayList<>();
    Map<String, Map<String, Object>> stats = new LinkedHashMap<>();
    Map<String, Double> perplexity = new LinkedHashMap<>();
    Map<String, Map<String, Object>> profiles = new LinkedHashMap<>();
    Map<String, Map<String, Object>> pairResults = new LinkedHashMap<>();
    Map<String, Map<String, Object>> readies = new LinkedHashMap<>();
    Map<String, List<Map<String, Object>>> measured = new LinkedHashMap<>();
    int e = engines.size();
    if (engines.stream().noneMatch(x -> x.startsWith("jlama"))) {
      throw new IllegalArgumentException("--engines needs a jlama entry to compare against");
    }
    int[] refs = new int[e]; // each engine's Jlama reference
    long[][] firstRows = new long[e][];
    List<DecodeWorkerProcess> ws = new ArrayList<>();
    try {
      for (String spec : engines) {
        DecodeWorkerProcess w = new DecodeWorkerProcess(spec, this);
        ws.add(w);
        readies.put(w.name, w.ready);
        measured.put(w.name, new ArrayList<>());
        System.err.printf(
            Locale.ROOT, "bench: %s loaded in %.1f s%n", w.name, num(w.ready.get("load_seconds")));
      }
      for (int k = 0; k < e; k++) { // the last Jlama of the same weights, else the last Jlama
        int same = -1;
        int any = -1;
        for (int j = 0; j < e; j++) {
          if (ws.get(j).engineName.equals("jlama")) {
            any = j;
            same = ws.get(j).weights == ws.get(k).weights ? j : same;
          }
        }
        refs[k] = same >= 0 ? same : any;
      }
      System.err.println("bench: warming up");
      for (int i = 0; i < warmup; i++) {
        for (DecodeWorkerProcess w : ws) {
          w.request("RUN 1 " + Math.min(newTokens, 32));
        }
      }
      for (int b : batches) {
        if (b > 1) {
          for (DecodeWorkerProcess w : ws) {
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
          int ref = refs[k];
          if (!ws.get(k).engineName.equals("jlama")) {
            Map<String, Object> sum =
                summarize(b, engines.get(k), prefill[k], decode[k], prefill[ref], decode[ref]);
            sum.put("reference", engines.get(ref));
            sum.put("weights", ws.get(k).weights.cliName());
            double bytes = num(ws.get(k).ready.get("decode_weight_bytes"));
            double refBytes = num(ws.get(ref).ready.get("decode_weight_bytes"));
            sum.put("decode_weight_bytes", bytes);
            sum.put("jlama_decode_weight_bytes", refBytes);
            // batch b streams the weights once per step for b tokens
            sum.put("bandwidth_limit_tokens_per_s", bandwidth * 1e9 / bytes * b);
            sum.put(
                "bandwidth_fraction",
                num(sum.get("decode_tokens_per_s")) / (bandwidth * 1e9 / bytes * b));
            sum.put(
                "jlama_bandwidth_fraction",
                num(sum.get("jlama_decode_tokens_per_s")) / (bandwidth * 1e9 / refBytes));
            int base = engines.indexOf(engines.get(k).replace("+lora", ""));
            if (engines.get(k).contains("+lora") && base >= 0) { // adapter cost, round by round
              double[] ratio = new double[n];
              for (int i = 0; i < n; i++) {
                ratio[i] = decode[k][i] / decode[base][i];
              }
              sum.put("base", engines.get(base));
              sum.put("vs_base_decode_ratio", median(ratio));
              sum.put("vs_base_decode_ratio_min", Arrays.stream(ratio).min().orElse(0));
              sum.put("vs_base_decode_ratio_max", Arrays.stream(ratio).max().orElse(0));
            }
            summary.add(sum);
          }
        }
      }
      for (DecodeWorkerProcess w : ws) {
        stats.put(w.name, w.request("STATS"));
        if (w.engineName.startsWith("persona4j")) {
          perplexity.put(w.name, num(w.request("PPL").get("perplexity")));
          if (loraPairs > 0 && w.name.contains("+lora")) {
            System.err.println("bench: adapter on/off pairs in " + w.name);
            pairResults.put(w.name, w.request("LORAPAIRS " + loraPairs + " " + newTokens));
          }
          if (profile) {
            System.err.println("bench: profiling " + w.name);
            profiles.put(w.name, w.request("PROFILE " + newTokens));
          }
        }
      }
    } finally {
      for (DecodeWorkerProcess w : ws) {
        w.close();
      }
    }

    System.out.println();
    System.out.println(
        "| batch | engine | vs | prefill tok/s | Jlama prefill tok/s | ratio | decode tok/s"
            + " | Jlama decode tok/s | ratio (median of rounds, min-max) | MB/token (ours / Jlama)"
            + " | bandwidth limit tok/s (ours) | % of limit (ours / Jlama) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Map<String, Object> s : summary) {
      int b = (int) s.get("batch");
      String seq = b > 1 ? " (sequential)" : "";
      System.out.printf(
          Locale.ROOT,
          "| %d | %s | %s | %.1f | %.1f%s | %.2f | %.1f | %.1f%s | %.2f (%.2f-%.2f) | %.0f / %.0f"
              + " | %.1f | %.0f%% / %.0f%% |%n",
          b,
          s.get("engine"),
          s.get("reference"),
          num(s.get("prefill_tokens_per_s")),
          num(s.get("jlama_prefill_tokens_per_s")),
          seq,
          num(s.get("prefill_ratio")),
          num(s.get("decode_tokens_per_s")),
          num(s.get("jlama_decode_tokens_per_s")),
          seq,
          num(s.get("decode_ratio")),
          num(s.get("decode_ratio_min")),
          num(s.get("decode_ratio_max")),
          num(s.get("decode_weight_bytes")) / 1e6,
          num(s.get("jlama_decode_weight_bytes")) / 1e6,
          num(s.get("bandwidth_limit_tokens_per_s")),
          100 * num(s.get("bandwidth_fraction")),
          100 * num(s.get("jlama_bandwidth_fraction")));
    }
    if (summary.stream().anyMatch(x -> x.containsKey("base"))) {
      System.out.println();
      System.out.println(
          "| batch | engine with LoRA | base | decode tok/s with / without | ratio (median of"
              + " rounds, min-max) |");
      System.out.println("|---|---|---|---|---|");
      for (Map<String, Object> s : summary) {
        if (s.containsKey("base")) {
          double baseTps =
              summary.stream()
                  .filter(
                      x ->
                          x.get("engine").equals(s.get("base"))
                              && x.get("batch").equals(s.get("batch")))
                  .mapToDouble(x -> num(x.get("decode_tokens_per_s")))
                  .findFirst()
                  .orElse(Double.NaN);
          System.out.printf(
              Locale.ROOT,
              "| %d | %s | %s | %.1f / %.1f | %.2f (%.2f-%.2f) |%n",
              (int) s.get("batch"),
              s.get("engine"),
              s.get("base"),
              num(s.get("decode_tokens_per_s")),
              baseTps,
              num(s.get("vs_base_decode_ratio")),
              num(s.get("vs_base_decode_ratio_min")),
              num(s.get("vs_base_decode_ratio_max")));
        }
      }
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
      int ref = refs[k];
      int n = 0;
      while (n < Math.min(firstRows[k].length, firstRows[ref].length)
          && firstRows[k][n] == firstRows[ref][n]) {
        n++;
      }
      same = Math.min(same, n);
      if (k != ref) {
        System.out.printf(
            "greedy tokens (batch %d, row 0): %s and %s agree on the first %d of %d%n",
            batches[0], engines.get(k), engines.get(ref), n, firstRows[k].length);
      }
    }
    Double f32Ppl = null;
    for (int k = 0; k < e; k++) {
      if (perplexity.containsKey(engines.get(k)) && ws.get(k).weights == WeightPrecision.F32) {
        f32Ppl = perplexity.get(engines.get(k));
      }
    }
    for (Map.Entry<String, Double> p : perplexity.entrySet()) {
      System.out.printf(
          Locale.ROOT,
          "perplexity on held-out MovieLens titles (%s, random-weight model: measures how much"
              + " rounding moves the distribution, not quality): %s %.4f%s%n",
          heldout,
          p.getKey(),
          p.getValue(),
          f32Ppl == null
              ? ""
              : String.format(Locale.ROOT, " (%+.3f%% vs f32)", 100 * (p.getValue() / f32Ppl - 1)));
    }

    if (!pairResults.isEmpty()) {
      System.out.println();
      System.out.println(
          "| engine | adapter on/off pairs in one JVM | decode tok/s on / off (medians) | ratio"
              + " (median of pairs, min-max) |");
      System.out.println("|---|---|---|---|");
      for (Map.Entry<String, Map<String, Object>> p : pairResults.entrySet()) {
        double[] on = toDoubles(p.getValue().get("with_tokens_per_s"));
        double[] off = toDoubles(p.getValue().get("without_tokens_per_s"));
        double[] ratio = toDoubles(p.getValue().get("ratio"));
        System.out.printf(
            Locale.ROOT,
            "| %s | %d | %.1f / %.1f | %.2f (%.2f-%.2f) |%n",
            p.getKey(),
            ratio.length,
            median(on),
            median(off),
            median(ratio),
            Arrays.stream(ratio).min().orElse(0),
            Arrays.stream(ratio).max().orElse(0));
      }
    }

    if (!profiles.isEmpty()) {
      System.out.println();
      System.out.println(
          "| engine | step ms | kernel ms / step | PyTorch ops / step | kernel calls / step"
              + " | profiled: step ms = PyTorch op ms + kernel ms + rest ms | top ops / step |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (Map.Entry<String, Map<String, Object>> p : profiles.entrySet()) {
        Map<String, Object> r = p.getValue();
        StringBuilder top = new StringBuilder();
        if (r.get("ops_by_name") instanceof List<?> ops) {
          for (Object o : ops.subList(0, Math.min(6, ops.size()))) {
            Map<?, ?> m = (Map<?, ?>) o;
            top.append(
                String.format(
                    Locale.ROOT,
                    "%s%s %.0f",
                    top.isEmpty() ? "" : ", ",
                    m.get("op"),
                    num(m.get("per_step"))));
          }
        }
        System.out.printf(
            Locale.ROOT,
            "| %s | %.1f | %.1f | %.0f | %.0f | %.1f = %.1f + %.1f + %.1f | %s |%n",
            p.getKey(),
            num(r.get("step_ms")),
            num(r.get("kernel_ms_per_step")),
            num(r.get("torch_ops_per_step")),
            num(r.get("kernel_calls_per_step")),
            num(r.get("profiled_step_ms")),
            num(r.get("profiled_torch_op_ms_per_step")),
            num(r.get("profiled_kernel_ms_per_step")),
            num(r.get("profiled_rest_ms_per_step")),
            top);
      }
    }

    if (json != null) {
      all.put("decode_profile", profiles);
      all.put("lora_pairs", pairResults);
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
      workload.put("weights", weights);
      all.put("workload", workload);
      all.put("summary", summary);
      all.put("identical_greedy_prefix", same);
      all.put("memory_bandwidth_gb_per_s", bandwidth);
      all.put("heldout_perplexity", perplexity);
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

  private static double[] toDoubles(Object o) {
    if (o instanceof double[] d) {
      return d;
    }
    return ((List<?>) o).stream().mapToDouble(DecodeCommand::num).toArray();
  }

  private static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  /**
   * 8 sequences of 64 token ids from the titles of a MovieLens {@code movies.csv} (the last titles
   * of the file, joined by newlines): each byte {@code c} is token {@code 3 + c % (vocab - 3)}, as
   * the benchmark's random model has no tokenizer.
   */
  static List<long[]> heldoutSequences(Path moviesCsv, int vocab) throws IOException {
    if (!Files.isRegularFile(moviesCsv)) {
      throw new IOException(
          "--heldout " + moviesCsv.toAbsolutePath() + " does not exist (MovieLens movies.csv)");
    }
    List<String> lines = Files.readAllLines(moviesCsv, StandardCharsets.UTF_8);
    StringBuilder text = new StringBuilder();
    for (int i = Math.max(1, lines.size() - 200); i < lines.size(); i++) {
      String[] f = lines.get(i).split(",", 2);
      if (f.length == 2) {
        String rest = f[1];
        int end = rest.startsWith("\"") ? rest.indexOf('"', 1) : rest.indexOf(',');
        text.append(rest, rest.startsWith("\"") ? 1 : 0, end < 0 ? rest.length() : end)
            .append('\n');
      }
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    List<long[]> seqs = new ArrayList<>();
    for (int s = 0; s < 8 && (s + 1) * 64 <= bytes.length; s++) {
      long[] ids = new long[64];
      for (int i = 0; i < 64; i++) {
        ids[i] = 3 + (bytes[s * 64 + i] & 0xFF) % (vocab - 3);
      }
      seqs.add(ids);
    }
    if (seqs.isEmpty()) {
      throw new IOException(moviesCsv + ": too few titles for a held-out sequence");
    }
    return seqs;
  }

  static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
