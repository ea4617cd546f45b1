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
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import io.persona4j.federated.sim.InMemoryGrid;
import io.persona4j.federated.split.SplitClientApp;
import io.persona4j.federated.split.SplitClientConfig;
import io.persona4j.federated.split.SplitConfig;
import io.persona4j.federated.split.SplitServer;
import io.persona4j.federated.split.SplitServerConfig;
import io.persona4j.federated.split.SplitStepResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench split}: split-learning traffic per training step (hidden states and their gradients,
 * measured by the grid's byte accounting) against the LoRA adapter traffic of one federated round
 * (the adapter down and up once), on a random Llama-shaped model in one process over {@link
 * InMemoryGrid}; also the time per step split and unsplit ({@code k = 0}). Prints a table and
 * optionally writes JSON.
 */
@Command(
    name = "split",
    mixinStandardHelpOptions = true,
    description = "Split-learning bytes per training step vs LoRA adapter bytes per round.")
public final class SplitBenchCommand implements Callable<Integer> {
  @Mixin ModelShapeOptions shape = new ModelShapeOptions(8, 256, 8, 4, 1024, 0);

  @Option(names = "--batch", defaultValue = "4")
  int batch;

  @Option(names = "--seq", description = "tokens per example (no padding)", defaultValue = "64")
  int seq;

  @Option(names = "--k", description = "front layers on the client", defaultValue = "1")
  int k;

  @Option(names = "--tail", description = "tail layers on the client", defaultValue = "1")
  int tail;

  @Option(names = "--rank", description = "LoRA rank (q_proj, v_proj)", defaultValue = "8")
  int rank;

  @Option(names = "--steps", description = "timed steps per mode", defaultValue = "3")
  int steps;

  @Option(names = "--json", description = "also write the results here")
  Path json;

  @Override
  public Integer call() throws Exception {
    LlamaConfig c = shape.config(seq + 1);
    LoraConfig lc =
        LoraConfig.builder().optR(rank).optAlpha(2 * rank).optTargets("q_proj", "v_proj").build();
    List<Example> data = data();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("machine", Machine.describe());
    out.put(
        "config",
        Map.of(
            "layers",
            shape.layers,
            "hidden",
            shape.hidden,
            "batch",
            batch,
            "seq",
            seq,
            "k",
            k,
            "tail",
            tail,
            "rank",
            rank));
    long adapterBytes = 0;
    for (SplitConfig split :
        List.of(new SplitConfig(shape.layers, k, tail), SplitConfig.none(shape.layers))) {
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel cm =
              LlamaModel.load(c, WeightSource.ofFloats("w", RandomWeights.llama(c, 7, 0.05f)), m);
          LlamaModel sm =
              LlamaModel.load(c, WeightSource.ofFloats("w", RandomWeights.llama(c, 7, 0.05f)), m);
          LoraModel cl = LoraModel.of(cm, m);
          LoraModel sl = LoraModel.of(sm, m)) {
        cl.add("a", lc, 1);
        sl.add("a", lc, 1);
        ParameterSet adapter = LoraParameters.read(cl, "a");
        adapterBytes = adapter.byteSize();
        SplitClientConfig cc =
            SplitClientConfig.builder()
                .setLearningRate(1e-3)
                .setBatchSize(batch)
                .optSeed(1)
                .build();
        try (SplitClientApp client = new SplitClientApp(cm, cl, "a", data, split, cc);
            InMemoryGrid grid = new InMemoryGrid(Map.of("c", client), 1);
            SplitServer server =
                new SplitServer(
                    grid,
                    "c",
                    sm,
                    sl,
                    "a",
                    SplitServerConfig.builder()
                        .setSplit(split)
                        .setLearningRate(1e-3)
                        .optStageDeadline(Duration.ofMinutes(10))
                        .build())) {
          server.step(); // warm-up
          long t0 = System.nanoTime();
          List<SplitStepResult> r = server.train(steps);
          double msPerStep = (System.nanoTime() - t0) / 1e6 / steps;
          SplitStepResult last = r.get(r.size() - 1);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("ms_per_step", msPerStep);
          row.put("bytes_up_per_step", last.bytesUp());
          row.put("bytes_down_per_step", last.bytesDown());
          row.put("activation_bytes_per_step", last.activationBytes());
          out.put(split.isSplit() ? "split" : "unsplit", row);
        }
      }
    }
    out.put("adapter_bytes", adapterBytes);
    out.put("adapter_bytes_per_round", 2 * adapterBytes);
    print(out);
    if (json != null) {
      Json.write(json, out);
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private void print(Map<String, Object> out) {
    Map<String, Object> s = (Map<String, Object>) out.get("split");
    Map<String, Object> u = (Map<String, Object>) out.get("unsplit");
    long perStep = (long) s.get("bytes_up_per_step") + (long) s.get("bytes_down_per_step");
    long round = (long) out.get("adapter_bytes_per_round");
    System.out.printf(
        Locale.ROOT,
        "model: %d layers, hidden %d; batch %d x %d tokens; split k=%d tail=%d; LoRA r=%d on"
            + " q_proj,v_proj%n",
        shape.layers,
        shape.hidden,
        batch,
        seq,
        k,
        tail,
        rank);
    System.out.printf(
        Locale.ROOT,
        "split step:   %,d bytes (up %,d, down %,d; activations+gradients %,d = 4 x 4BTH)%n",
        perStep,
        s.get("bytes_up_per_step"),
        s.get("bytes_down_per_step"),
        s.get("activation_bytes_per_step"));
    System.out.printf(
        Locale.ROOT,
        "LoRA round:   %,d bytes (adapter %,d down + up)%n",
        round,
        out.get("adapter_bytes"));
    System.out.printf(
        Locale.ROOT, "ratio:        one split step = %.2f LoRA rounds%n", (double) perStep / round);
    System.out.printf(
        Locale.ROOT,
        "time:         %.1f ms/step split, %.1f ms/step unsplit (k=0), in one process%n",
        s.get("ms_per_step"),
        u.get("ms_per_step"));
  }

  private List<Example> data() {
    return RandomExamples.of(2 * batch, seq / 2, seq - seq / 2, 1, shape.vocab, 3);
  }
}
