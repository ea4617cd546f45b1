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
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.federated.privacy.DpSgdAccountant;
import io.persona4j.federated.privacy.DpSgdConfig;
import io.persona4j.federated.privacy.DpSgdTrainer;
import io.persona4j.privacy.RandomSource;
import java.nio.file.Path;
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
 * {@code bench dpsgd}: the cost of DP-SGD's per-example clipping on LoRA training throughput. The
 * same random Llama, adapter, batch size and AdamW run alternately, round by round, as ordinary
 * training (core's {@code Trainer}: one batched forward/backward per step, global-norm clip 1.0)
 * and as DP-SGD ({@code DpSgdTrainer}: one forward/backward per example, per-example clip, noise,
 * fixed-size shuffled batches); the ratio of their times is taken within each round.
 */
@Command(
    name = "dpsgd",
    mixinStandardHelpOptions = true,
    description = "DP-SGD per-example clipping overhead vs ordinary LoRA training.")
final class DpSgdBenchCommand implements Callable<Integer> {
  @Mixin ModelShapeOptions shape = new ModelShapeOptions(4, 256, 8, 4, 4096, 0);

  @Option(names = "--seq", description = "tokens per example", defaultValue = "64")
  int seq;

  @Option(names = "--batch", split = ",", description = "batch sizes", defaultValue = "8,32")
  int[] batches;

  @Option(names = "--steps", description = "steps per timed round and mode", defaultValue = "4")
  int steps;

  @Option(names = "--rounds", description = "alternating rounds", defaultValue = "3")
  int rounds;

  @Option(names = "--rank", defaultValue = "8")
  int rank;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> machine = Machine.describeAndPrint();
    LlamaConfig c = shape.config(seq + 8);
    List<Map<String, Object>> results = new ArrayList<>();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model =
            LlamaModel.load(
                c, WeightSource.ofFloats("random", RandomWeights.llama(c, 3, 0.02f)), m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add(
          "u",
          LoraConfig.builder()
              .optR(rank)
              .optAlpha(2.0 * rank)
              .optTargets("q_proj", "v_proj")
              .build(),
          1);
      lora.activate("u");
      TrainableParameters params = TrainableParameters.of(lora.trainableParameters());
      System.out.printf(
          Locale.ROOT,
          "model: %d layers, hidden %d, vocab %d; LoRA r=%d on q,v: %d trainable values; %d tokens"
              + " per example%n",
          shape.layers,
          shape.hidden,
          shape.vocab,
          rank,
          params.elementCount(),
          seq);
      for (int b : batches) {
        List<Example> data = data(4 * b, seq, shape.vocab);
        double[] ordinary = new double[rounds];
        double[] dp = new double[rounds];
        double[] ratio = new double[rounds];
        timeOrdinary(model, params, data, b, 1); // warm-up
        timeDp(model, params, data, b, 1);
        for (int r = 0; r < rounds; r++) {
          ordinary[r] = timeOrdinary(model, params, data, b, steps) / steps;
          dp[r] = timeDp(model, params, data, b, steps) / steps;
          ratio[r] = dp[r] / ordinary[r];
          System.out.printf(
              Locale.ROOT,
              "batch %d round %d: ordinary %.3f s/step (%.1f ex/s), DP-SGD %.3f s/step (%.1f"
                  + " ex/s), ratio %.2f%n",
              b,
              r + 1,
              ordinary[r],
              b / ordinary[r],
              dp[r],
              b / dp[r],
              ratio[r]);
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("batch", b);
        row.put("seq", seq);
        row.put("ordinary_s_per_step", ordinary);
        row.put("dpsgd_s_per_step", dp);
        row.put("ratio", ratio);
        row.put("median_ratio", DecodeCommand.median(ratio));
        row.put("peak_rss_mib", Rss.peakMib());
        results.add(row);
        System.out.printf(
            Locale.ROOT,
            "batch %d: median DP-SGD / ordinary time ratio %.2f (throughput %.0f%% of ordinary)%n",
            b,
            DecodeCommand.median(ratio),
            100 / DecodeCommand.median(ratio));
      }
      params.freeze();
    }
    if (json != null) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("machine", machine);
      all.put(
          "model",
          Map.of(
              "layers",
              shape.layers,
              "hidden",
              shape.hidden,
              "vocab",
              shape.vocab,
              "rank",
              rank,
              "seq",
              seq));
      all.put("results", results);
      Json.write(json, all);
    }
    return 0;
  }

  private static List<Example> data(int n, int seq, int vocab) {
    return RandomExamples.of(n, seq - 8, 8, 3, vocab, 11);
  }

  private static double timeOrdinary(
      LlamaModel model, TrainableParameters params, List<Example> data, int b, int steps)
      throws Exception {
    long t0 = System.nanoTime();
    try (Trainer t =
        Trainer.builder()
            .setParameters(params)
            .setObjective(CausalLmObjective.of(model))
            .setOptimizer(AdamW.builder().build())
            .setSchedule(LearningRateSchedule.constant(1e-4))
            .setTrainData(data)
            .setMaxSteps(steps)
            .optMicroBatchSize(b)
            .optMaxGradNorm(1.0)
            .build()) {
      t.train();
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double timeDp(
      LlamaModel model, TrainableParameters params, List<Example> data, int b, int steps) {
    DpSgdConfig cfg =
        DpSgdConfig.builder()
            .setClipNorm(1.0)
            .setNoiseMultiplier(1.0)
            .setBatchSize(b)
            .setDelta(1e-5)
            .optSampling(DpSgdConfig.Sampling.SHUFFLE)
            .build();
    long t0 = System.nanoTime();
    try (AdamW adam = AdamW.builder().build()) {
      new DpSgdTrainer(
              params,
              CausalLmObjective.of(model),
              adam,
              LearningRateSchedule.constant(1e-4),
              data,
              cfg,
              DpSgdAccountant.of(cfg, data.size()),
              RandomSource.secure(),
              0)
          .train(steps);
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
