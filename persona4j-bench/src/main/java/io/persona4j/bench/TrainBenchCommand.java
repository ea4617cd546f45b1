/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.StepMetrics;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingContext;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.core.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench train}: training throughput of one process on a ~100M-parameter Llama-shaped F32
 * checkpoint (created on first use), LoRA (frozen base) or full fine-tuning, with the fp32 GEMM
 * ceiling of the same JVM and the process's peak RSS. Prints one JSON line; {@code bin/train-bench}
 * runs it alternately with the PyTorch reference ({@code
 * persona4j-bench/python/lora_step_reference.py}).
 *
 * <p>FLOP estimate per step (stated so the utilization is reproducible), with N_mm the parameters
 * of every matmul of the forward pass (the 7 projections of each layer and lm_head; the embedding
 * is a gather), tokens = batch * seq, L layers, H hidden, T seq, N_lora the adapter parameters:
 *
 * <ul>
 *   <li>LoRA: {@code 4 * N_mm * tokens} (forward 2, input gradient 2; the frozen base needs no
 *       weight gradient) {@code + 12 * L * T * H * tokens} (attention scores and probs x V, full
 *       square, forward 4 + backward 8) {@code + 6 * N_lora * tokens}.
 *   <li>Full fine-tuning: {@code 6 * N_mm * tokens + 12 * L * T * H * tokens}.
 * </ul>
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Training throughput (LoRA or full fine-tuning), GEMM ceiling and peak RSS.")
public final class TrainBenchCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      description = "checkpoint directory (created if missing)",
      defaultValue = "target/train-bench-model")
  Path model;

  @Option(names = "--mode", description = "lora or full", defaultValue = "lora")
  String mode;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--seq", defaultValue = "256")
  int seq;

  @Option(names = "--warmup", description = "untimed steps", defaultValue = "2")
  int warmup;

  @Option(names = "--steps", description = "timed steps", defaultValue = "5")
  int steps;

  @Option(names = "--rank", defaultValue = "8")
  int rank;

  @Option(names = "--alpha", defaultValue = "16")
  double alpha;

  @Option(
      names = "--targets",
      split = ",",
      defaultValue = "q_proj,k_proj,v_proj,o_proj",
      description = "LoRA target modules")
  List<String> targets;

  @Option(
      names = "--gemm-n",
      description = "square matmul size of the GEMM ceiling",
      defaultValue = "2048")
  int gemmN;

  @Mixin ModelShapeOptions shape = new ModelShapeOptions(12, 768, 12, 4, 32000, 2048);

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Override
  public Integer call() throws IOException {
    if (!mode.equals("lora") && !mode.equals("full")) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--mode must be lora or full, got " + mode);
    }
    if (!Files.exists(model.resolve("model.safetensors"))) {
      LlamaConfig c = shape.config(2048);
      ModelInit.write(c, seed, 0.02f, DType.F32, model);
      System.err.println("wrote " + model + " (" + c.parameterCount() + " parameters)");
    }
    double gemm;
    try (NDManager root = TensorRuntime.newManager()) {
      gemm = gemmGflops(root, gemmN);
      try (LlamaModel m = LlamaModel.load(model, root)) {
        return run(m, root, gemm);
      }
    }
  }

  private int run(LlamaModel m, NDManager root, double gemmGflops) throws IOException {
    LlamaConfig c = m.config();
    LoraModel lora = null;
    TrainableParameters params;
    long loraParams = 0;
    if (mode.equals("lora")) {
      lora = LoraModel.of(m, root);
      lora.add(
          "bench",
          LoraConfig.builder()
              .optR(rank)
              .optAlpha(alpha)
              .optTargets(targets.toArray(String[]::new))
              .build(),
          seed);
      lora.train(true);
      params = TrainableParameters.of(lora.trainableParameters());
      loraParams = params.elementCount();
    } else {
      params = TrainableParameters.allOf(m);
    }
    try {
      SplittableRandom rnd = new SplittableRandom(seed);
      List<Example> data = new ArrayList<>();
      for (int i = 0; i < batch * (warmup + steps); i++) {
        long[] ids = new long[seq];
        for (int j = 0; j < seq; j++) {
          ids[j] = 3 + rnd.nextInt(c.vocabSize() - 3);
        }
        data.add(Example.text(ids));
      }
      List<StepMetrics> timed = new ArrayList<>();
      int totalSteps = warmup + steps;
      TrainingListener listener =
          new TrainingListener() {
            @Override
            public void onStep(TrainingContext ctx, StepMetrics s) {
              System.err.printf(
                  Locale.ROOT,
                  "step %d: %.1f ms, loss %.4f%n",
                  s.step(),
                  s.seconds() * 1e3,
                  s.loss());
              if (s.step() > warmup) {
                timed.add(s);
              }
            }
          };
      TrainingResult result;
      try (AdamW opt = AdamW.builder().build();
          Trainer trainer =
              Trainer.builder()
                  .setParameters(params)
                  .setObjective(CausalLmObjective.of(m))
                  .setOptimizer(opt)
                  .setSchedule(LearningRateSchedule.constant(1e-4))
                  .setTrainData(data)
                  .setMaxSteps(totalSteps)
                  .optMicroBatchSize(batch)
                  .optShuffle(false)
                  .addListener(listener)
                  .build()) {
        result = trainer.train();
      }
      double[] ms = timed.stream().mapToDouble(s -> s.seconds() * 1e3).sorted().toArray();
      double meanMs = Arrays.stream(ms).average().orElse(Double.NaN);
      double medianMs = ms.length == 0 ? Double.NaN : ms[ms.length / 2];
      long tokens = (long) batch * seq;
      long nMatmul = matmulParams(c);
      double attention = 12.0 * c.numHiddenLayers() * seq * c.hiddenSize();
      double flopPerToken =
          mode.equals("lora")
              ? 4.0 * nMatmul + attention + 6.0 * loraParams
              : 6.0 * nMatmul + attention;
      double flopPerStep = flopPerToken * tokens;
      double gflops = flopPerStep / (meanMs / 1e3) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "{\"engine\":\"persona4j\",\"mode\":\"%s\",\"batch\":%d,\"seq\":%d,\"params\":%d,"
              + "\"matmul_params\":%d,\"trainable_params\":%d,\"warmup\":%d,\"steps\":%d,"
              + "\"step_ms\":%.1f,\"step_ms_median\":%.1f,\"tokens_per_s\":%.1f,"
              + "\"flop_per_step\":%.4e,\"gflops\":%.1f,\"gemm_gflops\":%.1f,\"utilization\":%.3f,"
              + "\"final_loss\":%.4f,\"peak_rss_mb\":%.0f,\"java\":\"%s\"}%n",
          mode,
          batch,
          seq,
          c.parameterCount(),
          nMatmul,
          params.elementCount(),
          warmup,
          steps,
          meanMs,
          medianMs,
          tokens / (meanMs / 1e3),
          flopPerStep,
          gflops,
          gemmGflops,
          gflops / gemmGflops,
          result.history().get(result.history().size() - 1).loss(),
          peakRssMb(),
          System.getProperty("java.version"));
      return 0;
    } finally {
      if (lora != null) {
        lora.close();
      }
    }
  }

  /** Parameters of every forward matmul: the 7 projections per layer and lm_head. */
  static long matmulParams(LlamaConfig c) {
    long h = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    long perLayer = h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize();
    return c.numHiddenLayers() * perLayer + h * c.vocabSize();
  }

  /** Best fp32 GFLOP/s of an n x n x n matmul (3 warmup, 10 timed) on this JVM's engine. */
  static double gemmGflops(NDManager parent, int n) {
    try (NDManager m = parent.newSubManager()) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 13; i++) {
        try (NDManager s = m.newSubManager()) {
          a.attach(s);
          long t0 = System.nanoTime();
          NDArray r = a.matMul(b);
          r.getFloat(0, 0); // materialize
          long t = System.nanoTime() - t0;
          a.attach(m);
          if (i >= 3) {
            best = Math.min(best, t / 1e9);
          }
        }
      }
      return 2.0 * n * n * n / best / 1e9;
    }
  }

  /** VmHWM of this process in MB (-1 if unknown). */
  static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new TrainBenchCommand()).execute(args));
  }
}
