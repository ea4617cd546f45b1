/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.TrainingObjective;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j train} with checkpoints, resume, dropout and evaluation. */
class TrainResumeCliTest {
  static CliTest.Run train(Path llama, Path data, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--model",
                llama.toString(),
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--lr",
                "1e-2",
                "--batch-size",
                "8",
                "--lora-dropout",
                "0.3",
                "--schedule",
                "constant",
                "--eval-data",
                data.toString()));
    args.addAll(List.of(extra));
    CliTest.Run r = CliTest.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return r;
  }

  static double lastEvalLoss(Path out) throws IOException {
    double loss = Double.NaN;
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      JsonNode row = new ObjectMapper().readTree(line);
      if ("eval".equals(row.path("type").asText())) {
        loss = row.get("loss").asDouble();
      }
    }
    return loss;
  }

  @Test
  void resumedRunEqualsAnUninterruptedOneAndEvaluatesWithoutDropout(@TempDir Path tmp)
      throws IOException {
    Path llama = TrainCliTest.initLlama(tmp.resolve("llama"), "32");
    Path data = Files.write(tmp.resolve("data.jsonl"), TrainCliTest.rows(), StandardCharsets.UTF_8);
    Path whole = tmp.resolve("whole");
    Path parts = tmp.resolve("parts");
    train(llama, data, whole, "--max-steps", "6");
    train(llama, data, parts, "--max-steps", "3", "--checkpoint-every", "3");
    assertThat(parts.resolve("checkpoints")).isDirectory();
    CliTest.Run resumed = train(llama, data, parts, "--max-steps", "6", "--resume");
    assertThat(resumed.err()).contains("trained 3 steps");
    assertThat(Files.readAllBytes(parts.resolve("adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(whole.resolve("adapter_model.safetensors")));

    // The reported evaluation loss is that of the adapter in inference mode (no dropout).
    double reported = lastEvalLoss(whole);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(llama, m);
        Tokenizer tok = Tokenizer.fromDirectory(llama);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.load(whole, "x");
      lora.activate("x");
      List<Example> examples = TrainCommand.read(data, tok, new TrainOptions());
      TrainingObjective.Evaluation e;
      try (NDManager scope = m.newSubManager()) {
        e = CausalLmObjective.of(model).evaluate(Batch.of(examples, 0), scope);
      }
      assertThat(reported).isCloseTo(e.meanLoss(), org.assertj.core.data.Offset.offset(1e-4));
    }

    CliTest.Run none =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("fresh").toString(),
            "--resume");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("--resume").contains("checkpoints");
  }
}
