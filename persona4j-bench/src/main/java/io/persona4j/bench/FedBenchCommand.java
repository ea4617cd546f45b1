/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.RoundResult;
import io.persona4j.federated.lora.LoraClientApp;
import io.persona4j.federated.lora.LoraClientConfig;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.strategy.FedAvg;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench fed}: federated rounds on the in-memory grid with FedAvg and a small random Llama.
 *
 * <p>Default: LoRA-only exchange (rank-8 adapter on q,v, {@link LoraClientApp}) against full-model
 * exchange (every weight trained and sent), alternating round by round with the same clients, data
 * and local steps: round wall time and bytes per client per round (the grid's accounting of the
 * instruction and reply encodings). With {@code --scale N}: one LoRA round of N virtual clients,
 * each with its own rank-8 adapter on one shared frozen model, with the process's resident memory
 * before the adapters, after creating them and at the end (peak).
 */
@Command(
    name = "fed",
    mixinStandardHelpOptions = true,
    description = "Federated round time and bytes: LoRA vs full model; simulation scale (--scale).")
final class FedBenchCommand implements Callable<Integer> {
  @Mixin ModelShapeOptions shape = new ModelShapeOptions(4, 256, 8, 4, 4096, 0);

  @Option(names = "--seq", description = "tokens per example", defaultValue = "32")
  int seq;

  @Option(names = "--clients", description = "clients (exchange comparison)", defaultValue = "4")
  int clients;

  @Option(names = "--examples", description = "examples per client", defaultValue = "4")
  int examples;

  @Option(names = "--local-steps", defaultValue = "2")
  int localSteps;

  @Option(names = "--rounds", description = "alternating rounds per mode", defaultValue = "3")
  int rounds;

  @Option(names = "--scale", description = "run the scale test with this many clients")
  Integer scale;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  private static final LoraConfig LORA =
      LoraConfig.builder().optR(8).optAlpha(16).optTargets("q_proj", "v_proj").build();

  @Override
  public Integer call() throws Exception {
    Map<String, Object> machine = Machine.describeAndPrint();
    LlamaConfig c = shape.config(seq + 8);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("machine", machine);
    out.put(
        "model",
        Map.of("layers", shape.layers, "hidden", shape.hidden, "vocab", shape.vocab, "seq", seq));
    if (scale != null) {
      out.put("scale", scale(c, scale));
    } else {
      out.put("exchange", exchange(c));
    }
    if (json != null) {
      Json.write(json, out);
    }
    return 0;
  }

  private static LlamaModel model(LlamaConfig c, NDManager m) throws Exception {
    return LlamaModel.load(c, WeightSource.ofFloats("random", RandomWeights.llama(c, 3, 0.02f)), m);
  }

  private List<Example> data(int client, int n) {
    return RandomExamples.of(n, seq - 4, 4, 3, shape.vocab, 100 + client);
  }

  /** One round: instructions to all, FedAvg of the replies; returns [seconds, up, down, local]. */
  private static double[] round(InMemoryGrid grid, ParameterSet[] global, int round, int steps) {
    List<Instruction> in = new ArrayList<>();
    for (String id : grid.clients()) {
      in.add(Instruction.fit(round, id, global[0], Map.of(LoraClientApp.LOCAL_STEPS, steps)));
    }
    long t0 = System.nanoTime();
    RoundResult r = grid.send(in, Duration.ofMinutes(30));
    if (!r.failures().isEmpty()) {
      throw new IllegalStateException("round " + round + " failures: " + r.failures());
    }
    global[0] = FedAvg.weightedAverage(r.replies());
    double s = (System.nanoTime() - t0) / 1e9;
    double up = 0;
    double down = 0;
    double local = 0;
    for (ClientStats st : r.stats()) {
      up += st.bytesUp();
      down += st.bytesDown();
      local += st.localNanos() / 1e9;
    }
    int n = r.stats().size();
    return new double[] {s, up / n, down / n, local / n};
  }

  private Map<String, Object> exchange(LlamaConfig c) throws Exception {
    Map<String, Object> res = new LinkedHashMap<>();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel loraBase = model(c, m);
        LoraModel lora = LoraModel.of(loraBase, m);
        LlamaModel full = model(c, m)) {
      lora.add("shared", LORA, 1);
      Map<String, ClientApp> loraApps = new LinkedHashMap<>();
      Map<String, ClientApp> fullApps = new LinkedHashMap<>();
      for (int k = 0; k < clients; k++) {
        List<Example> d = data(k, examples);
        loraApps.put(
            "c" + k,
            new LoraClientApp(
                loraBase,
                lora,
                "shared",
                d,
                LoraClientConfig.builder()
                    .setLearningRate(1e-3)
                    .setLocalSteps(localSteps)
                    .build()));
        fullApps.put("c" + k, new FullModelClient(full, d, localSteps));
      }
      ParameterSet[] loraGlobal = {LoraParameters.read(lora, "shared")};
      ParameterSet[] fullGlobal = {FullModelClient.read(full)};
      System.out.printf(
          Locale.ROOT,
          "model %d layers, hidden %d, vocab %d: %d values; LoRA r=8 q,v: %d values; %d clients x"
              + " %d examples x %d tokens, %d local steps%n",
          shape.layers,
          shape.hidden,
          shape.vocab,
          fullGlobal[0].numElements(),
          loraGlobal[0].numElements(),
          clients,
          examples,
          seq,
          localSteps);
      List<double[]> lr = new ArrayList<>();
      List<double[]> fr = new ArrayList<>();
      try (InMemoryGrid lg = new InMemoryGrid(loraApps, clients);
          InMemoryGrid fg = new InMemoryGrid(fullApps, clients)) {
        round(lg, loraGlobal, 1, localSteps); // warm-up
        round(fg, fullGlobal, 1, localSteps);
        for (int r = 0; r < rounds; r++) {
          double[] a = round(lg, loraGlobal, r + 2, localSteps);
          double[] b = round(fg, fullGlobal, r + 2, localSteps);
          lr.add(a);
          fr.add(b);
          System.out.printf(
              Locale.ROOT,
              "round %d: LoRA %.3f s, up %.1f KiB, down %.1f KiB per client | full %.3f s, up %.1f"
                  + " KiB, down %.1f KiB per client | time ratio full/LoRA %.2f%n",
              r + 1,
              a[0],
              a[1] / 1024,
              a[2] / 1024,
              b[0],
              b[1] / 1024,
              b[2] / 1024,
              b[0] / a[0]);
        }
      }
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = fr.get(r)[0] / lr.get(r)[0];
      }
      res.put("clients", clients);
      res.put("lora_values", loraGlobal[0].numElements());
      res.put("full_values", fullGlobal[0].numElements());
      res.put("lora_rounds_s_up_down_local", lr);
      res.put("full_rounds_s_up_down_local", fr);
      res.put("median_time_ratio_full_over_lora", DecodeCommand.median(ratio));
      res.put("bytes_ratio_full_over_lora", fr.get(0)[1] / lr.get(0)[1]);
      System.out.printf(
          Locale.ROOT,
          "median round time ratio full/LoRA %.2f; bytes up per client ratio %.0f%n",
          DecodeCommand.median(ratio),
          fr.get(0)[1] / lr.get(0)[1]);
    }
    return res;
  }

  private Map<String, Object> scale(LlamaConfig c, int n) throws Exception {
    Map<String, Object> res = new LinkedHashMap<>();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel base = model(c, m);
        LoraModel lora = LoraModel.of(base, m)) {
      System.gc();
      double rssModel = Rss.currentMib();
      Map<String, ClientApp> apps = new LinkedHashMap<>();
      long t0 = System.nanoTime();
      for (int k = 0; k < n; k++) {
        String id = "c" + k;
        lora.add(id, LORA, k);
        apps.put(
            id,
            new LoraClientApp(
                base,
                lora,
                id,
                data(k, examples),
                LoraClientConfig.builder().setLearningRate(1e-3).setLocalSteps(1).build()));
      }
      double setup = (System.nanoTime() - t0) / 1e9;
      System.gc();
      double rssAdapters = Rss.currentMib();
      ParameterSet[] global = {LoraParameters.read(lora, "c0")};
      double[] r;
      try (InMemoryGrid g = new InMemoryGrid(apps, Math.min(n, 64))) {
        r = round(g, global, 1, localSteps);
      }
      double rssEnd = Rss.currentMib();
      double peak = Rss.peakMib();
      Runtime jr = Runtime.getRuntime();
      double heap = (jr.totalMemory() - jr.freeMemory()) / 1048576.0;
      System.out.printf(
          Locale.ROOT,
          "scale: %d clients (own rank-8 adapter each, %d values), %d examples x %d tokens, %d"
              + " local steps: setup %.1f s, round %.1f s (%.3f s local per client), up %.1f KiB,"
              + " down %.1f KiB per client; RSS model only %.0f MiB, with adapters %.0f MiB, end"
              + " %.0f MiB, peak %.0f MiB; JVM heap used %.0f MiB%n",
          n,
          global[0].numElements(),
          examples,
          seq,
          localSteps,
          setup,
          r[0],
          r[3],
          r[1] / 1024,
          r[2] / 1024,
          rssModel,
          rssAdapters,
          rssEnd,
          peak,
          heap);
      res.put("clients", n);
      res.put("adapter_values", global[0].numElements());
      res.put("setup_s", setup);
      res.put("round_s", r[0]);
      res.put("local_s_per_client", r[3]);
      res.put("up_bytes_per_client", r[1]);
      res.put("down_bytes_per_client", r[2]);
      res.put("rss_model_mib", rssModel);
      res.put("rss_with_adapters_mib", rssAdapters);
      res.put("rss_end_mib", rssEnd);
      res.put("rss_peak_mib", peak);
      res.put("heap_used_mib", heap);
    }
    return res;
  }
}
