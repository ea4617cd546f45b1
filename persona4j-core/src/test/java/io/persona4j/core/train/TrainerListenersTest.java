/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listeners in a real run: their files, their state in checkpoints, and an exact resume. */
class TrainerListenersTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  List<String> events = new ArrayList<>();

  TrainingResult run(Path out, long steps, Path resume, int keep) throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(1, m);
        Trainer t =
            Trainer.builder()
                .setParameters(TrainableParameters.allOf(model))
                .setObjective(CausalLmObjective.of(model))
                .setOptimizer(AdamW.builder().build())
                .setSchedule(LearningRateSchedule.warmupLinear(3e-3, 2, 6))
                .setTrainData(TinyModels.reversal(1, 64, 2, 4))
                .setMaxSteps(steps)
                .optMicroBatchSize(8)
                .optEvalData(TinyModels.reversal(2, 8, 2, 4))
                .optEvalEvery(2)
                .optCheckpoints(out.resolve("ckpt"), 3)
                .optKeepCheckpoints(keep)
                .addListener(new MetricsJsonl(out.resolve("metrics.jsonl")))
                .addListener(new LossPlot(out.resolve("loss.png")))
                .addListener(new EarlyStopping(10, 0))
                .addListener(
                    new TrainingListener() {
                      @Override
                      public void onTrainBegin(TrainingContext c) {
                        events.add("begin@" + c.step());
                      }

                      @Override
                      public void onStep(TrainingContext c, StepMetrics s) {
                        events.add("step" + s.step());
                      }

                      @Override
                      public void onEvaluation(TrainingContext c, EvalMetrics e) {
                        events.add("eval" + e.step());
                      }

                      @Override
                      public void onTrainEnd(TrainingContext c, Throwable failure) {
                        events.add("end@" + c.step());
                      }
                    })
                .build()) {
      if (resume != null) {
        t.resume(resume);
      }
      return t.train();
    }
  }

  /** The metrics rows without wall-clock fields. */
  static List<JsonNode> rows(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      com.fasterxml.jackson.databind.node.ObjectNode row =
          (com.fasterxml.jackson.databind.node.ObjectNode) MAPPER.readTree(line);
      row.remove("seconds");
      out.add(row);
    }
    return out;
  }

  @Test
  void listenersSeeEveryEventAndTheirFilesSurviveAResume() throws IOException {
    Path straight = dir.resolve("straight");
    TrainingResult r = run(straight, 6, null, 0);
    assertThat(events)
        .containsExactly(
            "begin@0", "step1", "step2", "eval2", "step3", "step4", "eval4", "step5", "step6",
            "eval6", "end@6");
    assertThat(r.lastCheckpoint()).isEqualTo(straight.resolve("ckpt/checkpoint-6"));
    assertThat(TrainingCheckpoint.list(straight.resolve("ckpt")))
        .containsExactly(
            straight.resolve("ckpt/checkpoint-3"), straight.resolve("ckpt/checkpoint-6"));
    TrainerState state = TrainingCheckpoint.readState(straight.resolve("ckpt/checkpoint-3"));
    assertThat(state.listeners().keySet())
        .containsExactlyInAnyOrder("metrics_jsonl", "loss_plot", "early_stopping");
    assertThat(state.listeners().get("early_stopping").get("best_step").asLong()).isEqualTo(2);
    assertThat(Files.size(straight.resolve("loss.png"))).isGreaterThan(1000);
    List<JsonNode> all = rows(straight.resolve("metrics.jsonl"));
    assertThat(all).hasSize(9); // 6 train + 3 eval rows

    // Interrupted after step 6 of a run resumed at step 3: the copy of the output directory
    // holds rows up to step 6; resuming from checkpoint-3 drops rows 4-6 and rewrites them.
    Path resumed = dir.resolve("resumed");
    copy(straight, resumed);
    events.clear();
    TrainingResult again = run(resumed, 6, resumed.resolve("ckpt/checkpoint-3"), 1);
    assertThat(events).first().isEqualTo("begin@3");
    assertThat(again.history()).extracting(StepMetrics::step).containsExactly(4L, 5L, 6L);
    assertThat(rows(resumed.resolve("metrics.jsonl"))).isEqualTo(all);
    assertThat(TrainingCheckpoint.list(resumed.resolve("ckpt")))
        .containsExactly(resumed.resolve("ckpt/checkpoint-6"));
  }

  static void copy(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
