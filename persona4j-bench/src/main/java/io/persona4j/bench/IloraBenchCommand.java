/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.adapters.moe.GateType;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.experiments.rec.LlmRecRun;
import io.persona4j.experiments.rec.RecPreset;
import io.persona4j.experiments.rec.SequenceEncoder;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.RecSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * iLoRA vs plain LoRA at equal total rank: training samples/s of the same LLaRA fine-tuning (hybrid
 * prompts, curriculum, item projector) with K = 1 and K = 4 experts, alternating in each round so
 * that machine load hits both alike, and evaluation prompts/s of batched greedy generation at batch
 * 1 and batch 16. Synthetic catalog and histories on a random Llama of the standard preset's shape
 * (throughput does not depend on what the weights know).
 */
@Command(
    name = "ilora",
    mixinStandardHelpOptions = true,
    description = "iLoRA (K=4) vs LoRA (K=1) training samples/s, and generation prompts/s.")
final class IloraBenchCommand implements Callable<Integer> {
  @Option(names = "--rounds", description = "alternating rounds (default ${DEFAULT-VALUE})")
  int rounds = 3;

  @Option(names = "--steps", description = "training steps per run (default ${DEFAULT-VALUE})")
  long steps = 12;

  @Mixin ModelShapeOptions shape = new ModelShapeOptions(4, 128, 4, 2, 4096, 0);

  @Option(names = "--eval", description = "prompts generated per batch size (${DEFAULT-VALUE})")
  int eval = 32;

  @Override
  public Integer call() throws Exception {
    Machine.describe().forEach((k, v) -> System.out.printf("  %-24s %s%n", k, v));
    Path dir = Files.createTempDirectory("persona4j-ilora-bench");
    SplittableRandom r = new SplittableRandom(7);
    List<String> titles = new ArrayList<>();
    for (int i = 1; i <= 2000; i++) {
      titles.add("Movie " + Integer.toString(i * 7919 % 100000, 36) + " (" + (1950 + i % 70) + ")");
    }
    ItemCatalog catalog = ItemCatalog.of(titles);
    LlamaConfig c = shape.config(512);
    ModelInit.write(c, 1, 0.02f, DType.F32, dir);
    TokenizerJsonWriter.writeByteLevelBpe(
        dir.resolve("tokenizer.json"),
        shape.vocab,
        titles,
        List.of(LlaraPromptConfig.HISTORY_TOKEN, LlaraPromptConfig.CANDIDATE_TOKEN));
    float[][] items = new float[titles.size() + 1][64];
    for (float[] row : items) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    SequenceEncoder encoder =
        new SequenceEncoder() {
          @Override
          public float[][] itemVectors() {
            return items;
          }

          @Override
          public float[][] encode(int[][] histories) {
            float[][] out = new float[histories.length][64];
            for (int i = 0; i < histories.length; i++) {
              for (int item : histories[i]) {
                for (int j = 0; j < 64; j++) {
                  out[i][j] += items[item][j] / histories[i].length;
                }
              }
            }
            return out;
          }
        };
    List<RecSample> samples = new ArrayList<>();
    for (int u = 0; u < 256; u++) {
      int[] pool = r.ints(30, 1, titles.size() + 1).distinct().limit(30).toArray();
      int[] history = Arrays.copyOf(pool, 10);
      int[] candidates = Arrays.copyOfRange(pool, 10, Math.min(30, pool.length));
      samples.add(new RecSample(u, history, candidates, candidates[0]));
    }
    FinetunePreset train =
        FinetunePreset.builder()
            .setSteps(steps)
            .optBatch(8)
            .optLr(1e-3)
            .optRank(8)
            .optAlpha(32)
            .optDropout(0.1)
            .optMaxPrompt(512)
            .optEvalBatch(16)
            .build();
    List<RecPreset.Method> methods =
        List.of(
            new RecPreset.Method("LoRA (K=1)", 1, GateType.LINEAR),
            new RecPreset.Method("iLoRA (K=4)", 4, GateType.LINEAR));
    double[][] sps = new double[2][rounds];
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < 2; k++) {
        int m = (round % 2 == 0) ? k : 1 - k;
        LlmRecRun.Outcome o =
            LlmRecRun.run(
                dir,
                catalog,
                encoder,
                train,
                methods.get(m),
                round,
                samples,
                samples.subList(0, 2),
                List.of(),
                null);
        sps[m][round] = o.trainSamplesPerSecond();
        System.out.printf(
            Locale.ROOT,
            "round %d %-12s %.2f samples/s%n",
            round,
            methods.get(m).name(),
            o.trainSamplesPerSecond());
      }
    }
    double lora = median(sps[0]);
    double ilora = median(sps[1]);
    System.out.printf(
        Locale.ROOT,
        "training: LoRA %.2f samples/s, iLoRA K=4 %.2f samples/s, iLoRA/LoRA %.3f (median of %d"
            + " rounds)%n",
        lora,
        ilora,
        ilora / lora,
        rounds);
    double[] pps = new double[2];
    int[] batches = {1, 16};
    for (int b = 0; b < 2; b++) {
      FinetunePreset ev = train.toBuilder().setSteps(1).optEvalBatch(batches[b]).build();
      LlmRecRun.Outcome o =
          LlmRecRun.run(
              dir,
              catalog,
              encoder,
              ev,
              methods.get(1),
              0,
              samples.subList(0, 8),
              samples.subList(0, eval),
              List.of(),
              null);
      pps[b] = o.evalPromptsPerSecond();
      System.out.printf(Locale.ROOT, "generation batch %d: %.2f prompts/s%n", batches[b], pps[b]);
    }
    System.out.printf(Locale.ROOT, "generation: batch 16 / batch 1 = %.2f%n", pps[1] / pps[0]);
    return 0;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
