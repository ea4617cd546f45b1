package io.persona4j.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import io.persona4j.core.config.LlamaConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prefill and decode throughput of Persona4j and Jlama on one random ~100M-parameter F32
 * checkpoint. Without {@code --engine} this is the driver: it runs every engine in its own JVM (so
 * that peak RSS is attributable), alternating the order round by round to spread machine noise over
 * both, and prints the medians and the Persona4j/Jlama ratios.
 */
@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    description = "Greedy decoding tokens/s: Persona4j vs Jlama, batch 1 and batch 8.")
final class DecodeCommand implements Callable<Integer> {
  static final String RESULT = "BENCH-RESULT ";
  static final List<String> ENGINES = List.of("persona4j", "jlama");

  @Option(names = "--dir", description = "checkpoint cache dir (default ${DEFAULT-VALUE})")
  Path dir = Path.of("target/bench-model");

  @Option(names = "--engine", description = "run only this engine in this JVM (worker mode)")
  String engine;

  @Option(
      names = "--rounds",
      description = "JVMs per engine, alternating (default ${DEFAULT-VALUE})")
  int rounds = 2;

  @Option(names = "--prompt", description = "prompt tokens per row (default ${DEFAULT-VALUE})")
  int promptLength = 64;

  @Option(names = "--new", description = "new tokens per row (default ${DEFAULT-VALUE})")
  int newTokens = 64;

  @Option(names = "--batches", split = ",", description = "batch sizes (default ${DEFAULT-VALUE})")
  int[] batches = {1, 8};

  @Option(names = "--runs", description = "measured runs at batch 1 (default ${DEFAULT-VALUE})")
  int runs = 3;

  @Option(
      names = "--runs-batched",
      description = "measured runs at batch > 1 (default ${DEFAULT-VALUE})")
  int runsBatched = 1;

  @Option(
      names = "--warmup",
      description =
          "warmup runs (16 new tokens) at batch 1; 1 at batch > 1 (default ${DEFAULT-VALUE})")
  int warmup = 2;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    LlamaConfig config = BenchCheckpoint.config();
    if (engine != null) {
      Map<String, Object> r = worker(config);
      System.out.println(
          RESULT
              + Json.MAPPER
                  .writer()
                  .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                  .writeValueAsString(r));
      return 0;
    }
    return driver(config);
  }

  private List<long[]> prompts(int b, int vocab) {
    List<long[]> p = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      SplittableRandom rnd = new SplittableRandom(1000 + r);
      long[] ids = new long[promptLength];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = 3 + rnd.nextInt(vocab - 3);
      }
      p.add(ids);
    }
    return p;
  }

  // ---------------------------------------------------------------- worker (one engine, this JVM)

  private Map<String, Object> worker(LlamaConfig config) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("engine", engine);
    out.put("rss_before_load_mib", Rss.currentMib());
    long t0 = System.nanoTime();
    try (DecodeEngine e = DecodeEngine.open(engine, dir, config)) {
      out.put("load_seconds", (System.nanoTime() - t0) / 1e9);
      out.put("rss_after_load_mib", Rss.currentMib());
      out.put("peak_rss_after_load_mib", Rss.peakMib());
      List<Map<String, Object>> perBatch = new ArrayList<>();
      for (int b : batches) {
        List<long[]> prompts = prompts(b, config.vocabSize());
        int warm = b == 1 ? warmup : Math.min(warmup, 1);
        for (int i = 0; i < warm; i++) {
          e.generate(prompts, Math.min(newTokens, 16));
        }
        int n = b == 1 ? runs : runsBatched;
        double[] prefill = new double[n];
        double[] decode = new double[n];
        long[] firstRow = null;
        for (int i = 0; i < n; i++) {
          DecodeEngine.Run r = e.generate(prompts, newTokens);
          prefill[i] = r.prefillTokensPerSecond();
          decode[i] = r.decodeTokensPerSecond();
          firstRow = r.firstRow();
          System.err.printf(
              Locale.ROOT,
              "bench: %-9s batch %d run %d: prefill %8.1f tok/s, decode %7.1f tok/s%n",
              engine,
              b,
              i + 1,
              prefill[i],
              decode[i]);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", b);
        m.put("prefill_tokens_per_s", prefill);
        m.put("decode_tokens_per_s", decode);
        m.put("prefill_median", median(prefill));
        m.put("decode_median", median(decode));
        m.put("peak_rss_after_run_mib", Rss.peakMib());
        m.put("first_row_tokens", firstRow);
        perBatch.add(m);
      }
      out.put("batches", perBatch);
    }
    out.put("peak_rss_mib", Rss.peakMib());
    return out;
  }

  // ---------------------------------------------------------------- driver (spawns the workers)

  private int driver(LlamaConfig config) throws Exception {
    Map<String, Object> machine = Machine.describe();
    System.out.println("machine:");
    machine.forEach((k, v) -> System.out.printf("  %-24s %s%n", k, v));
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
        "workload: greedy, prompt %d tokens, %d new tokens, batches %s, %d round(s)%n",
        promptLength, newTokens, Arrays.toString(batches), rounds);
    BenchCheckpoint.ensure(dir, config);

    Map<String, List<Map<String, Object>>> results = new LinkedHashMap<>();
    ENGINES.forEach(e -> results.put(e, new ArrayList<>()));
    for (int round = 0; round < rounds; round++) {
      List<String> order = new ArrayList<>(ENGINES);
      if (round % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (String e : order) {
        System.err.printf("bench: round %d, %s (own JVM)%n", round + 1, e);
        results.get(e).add(spawn(e));
      }
    }

    List<Map<String, Object>> summary = new ArrayList<>();
    System.out.println();
    System.out.println("per round (median of runs within each JVM):");
    for (int round = 0; round < rounds; round++) {
      for (int b : batches) {
        double pp = value(results, "persona4j", round, b, "prefill_median");
        double jp = value(results, "jlama", round, b, "prefill_median");
        double pd = value(results, "persona4j", round, b, "decode_median");
        double jd = value(results, "jlama", round, b, "decode_median");
        System.out.printf(
            Locale.ROOT,
            "  round %d batch %d: prefill %8.1f vs %8.1f tok/s (x%.2f)   decode %7.1f vs %7.1f"
                + " tok/s (x%.2f)%n",
            round + 1,
            b,
            pp,
            jp,
            pp / jp,
            pd,
            jd,
            pd / jd);
      }
    }
    System.out.println();
    System.out.println(
        "| batch | Persona4j prefill tok/s | Jlama prefill tok/s | ratio | Persona4j decode tok/s"
            + " | Jlama decode tok/s | ratio |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int b : batches) {
      double pp = medianOverRounds(results, "persona4j", b, "prefill_median");
      double jp = medianOverRounds(results, "jlama", b, "prefill_median");
      double pd = medianOverRounds(results, "persona4j", b, "decode_median");
      double jd = medianOverRounds(results, "jlama", b, "decode_median");
      System.out.printf(
          Locale.ROOT,
          "| %d | %.1f | %.1f%s | %.2f | %.1f | %.1f%s | %.2f |%n",
          b,
          pp,
          jp,
          b > 1 ? " (sequential)" : "",
          pp / jp,
          pd,
          jd,
          b > 1 ? " (sequential)" : "",
          pd / jd);
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("batch", b);
      s.put("persona4j_prefill_tokens_per_s", pp);
      s.put("jlama_prefill_tokens_per_s", jp);
      s.put("prefill_ratio", pp / jp);
      s.put("persona4j_decode_tokens_per_s", pd);
      s.put("jlama_decode_tokens_per_s", jd);
      s.put("decode_ratio", pd / jd);
      summary.add(s);
    }
    System.out.println();
    System.out.println(
        "| engine | RSS before load MiB | peak RSS after load MiB | peak RSS after runs MiB |");
    System.out.println("|---|---|---|---|");
    for (String e : ENGINES) {
      for (Map<String, Object> r : results.get(e)) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.0f | %.0f |%n",
            e,
            num(r.get("rss_before_load_mib")),
            num(r.get("peak_rss_after_load_mib")),
            num(r.get("peak_rss_mib")));
      }
    }
    long[] pTok = firstRow(results, "persona4j");
    long[] jTok = firstRow(results, "jlama");
    int same = 0;
    while (same < Math.min(pTok.length, jTok.length) && pTok[same] == jTok[same]) {
      same++;
    }
    System.out.printf(
        "%ngreedy tokens (batch 1, row 0): first %d of %d identical across engines%n",
        same, pTok.length);

    if (json != null) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("machine", machine);
      all.put("model", config);
      all.put("parameters", config.parameterCount());
      Map<String, Object> workload = new LinkedHashMap<>();
      workload.put("prompt_tokens", promptLength);
      workload.put("new_tokens", newTokens);
      workload.put("batches", batches);
      workload.put("rounds", rounds);
      workload.put("runs_batch1", runs);
      workload.put("runs_batched", runsBatched);
      workload.put("warmup", warmup);
      all.put("workload", workload);
      all.put("summary", summary);
      all.put("identical_greedy_prefix", same);
      all.put("workers", results);
      Json.write(json, all);
    }
    return 0;
  }

  private Map<String, Object> spawn(String e) throws Exception {
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
    cmd.add("decode");
    cmd.addAll(
        List.of(
            "--engine", e,
            "--dir", dir.toString(),
            "--prompt", Integer.toString(promptLength),
            "--new", Integer.toString(newTokens),
            "--runs", Integer.toString(runs),
            "--runs-batched", Integer.toString(runsBatched),
            "--warmup", Integer.toString(warmup),
            "--batches",
                String.join(",", Arrays.stream(batches).mapToObj(Integer::toString).toList())));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String result = null;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith(RESULT)) {
          result = line.substring(RESULT.length());
        } else {
          System.err.println(line);
        }
      }
    }
    int rc = p.waitFor();
    if (rc != 0 || result == null) {
      throw new IllegalStateException(e + " worker failed (exit " + rc + ")");
    }
    return Json.MAPPER.readValue(result, new TypeReference<Map<String, Object>>() {});
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> batch(Map<String, Object> worker, int b) {
    for (Map<String, Object> m : (List<Map<String, Object>>) worker.get("batches")) {
      if (((Number) m.get("batch")).intValue() == b) {
        return m;
      }
    }
    throw new IllegalStateException("no batch " + b);
  }

  private static double value(
      Map<String, List<Map<String, Object>>> results, String e, int round, int b, String key) {
    return num(batch(results.get(e).get(round), b).get(key));
  }

  private static double medianOverRounds(
      Map<String, List<Map<String, Object>>> results, String e, int b, String key) {
    return median(results.get(e).stream().mapToDouble(w -> num(batch(w, b).get(key))).toArray());
  }

  @SuppressWarnings("unchecked")
  private long[] firstRow(Map<String, List<Map<String, Object>>> results, String e) {
    List<Number> t =
        (List<Number>) batch(results.get(e).get(0), batches[0]).get("first_row_tokens");
    return t.stream().mapToLong(Number::longValue).toArray();
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
