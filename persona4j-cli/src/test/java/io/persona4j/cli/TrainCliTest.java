/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j train}, and {@code --adapter} on generate and inspect, on a tiny Llama. */
class TrainCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String[] COLORS = {"red", "blue", "green", "gold"};

  @TempDir static Path tmp;
  static Path llama;
  static Path data;
  static Path adapter;
  static CliTest.Run trained;

  static Path initLlama(String name, String hidden) {
    return initLlama(tmp.resolve(name), hidden);
  }

  static Path initLlama(Path dir, String hidden) {
    CliTest.Run r =
        CliTest.run(
            "model",
            "init",
            "--family",
            "llama",
            "--layers",
            "2",
            "--hidden",
            hidden,
            "--heads",
            "4",
            "--kv-heads",
            "2",
            "--vocab",
            "300",
            "--std",
            "0.2",
            "--out",
            dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    return dir;
  }

  /** 40 rows: "item N?" maps to a color fixed by N mod 4. */
  static List<String> rows() {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ObjectMapper m = JSON;
      rows.add(
          m.createObjectNode()
              .put("prompt", "item " + i + "?")
              .put("completion", " " + COLORS[i % 4])
              .toString());
    }
    return rows;
  }

  @BeforeAll
  static void train() throws IOException {
    llama = initLlama("llama", "32");
    data = Files.write(tmp.resolve("data.jsonl"), rows(), StandardCharsets.UTF_8);
    adapter = tmp.resolve("adapter");
    trained =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            data.toString(),
            "--out",
            adapter.toString(),
            "--max-steps",
            "12",
            "--lr",
            "1e-2",
            "--batch-size",
            "8",
            "--lora-dropout",
            "0",
            "--schedule",
            "constant",
            "--eval-data",
            data.toString());
  }

  @Test
  void trainWritesAPeftAdapterMetricsAndAPlotAndTheLossFalls() throws IOException {
    assertThat(trained.code()).as(trained.err()).isZero();
    assertThat(adapter.resolve("adapter_config.json")).isRegularFile();
    assertThat(adapter.resolve("adapter_model.safetensors")).isRegularFile();
    JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
    assertThat(config.get("r").asInt()).isEqualTo(8);
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(adapter.resolve("metrics.jsonl"))) {
      JsonNode row = JSON.readTree(line);
      if ("train".equals(row.path("type").asText())) {
        losses.add(row.get("loss").asDouble());
      }
    }
    assertThat(losses).hasSize(12);
    assertThat(losses.get(11)).isLessThan(losses.get(0) * 0.8);
    byte[] png = Files.readAllBytes(adapter.resolve("loss.png"));
    assertThat(Arrays.copyOf(png, 4)).containsExactly(0x89, 'P', 'N', 'G');
    BufferedImage image = ImageIO.read(adapter.resolve("loss.png").toFile());
    assertThat(image.getWidth()).isGreaterThan(100);
    assertThat(trained.err())
        .contains("trained 12 steps")
        .contains("eval loss")
        .contains("trainable parameters: ")
        .contains("loss plot: " + adapter.resolve("loss.png"));
  }

  @Test
  void inspectWithAdapterPrintsWhatLoraModelComputes() throws Exception {
    assertThat(trained.code()).as(trained.err()).isZero();
    String ids = "1,105,116,101,109,32";
    CliTest.Run base = CliTest.run("inspect", "logits", "--model", llama.toString(), "--ids", ids);
    CliTest.Run adapted =
        CliTest.run(
            "inspect",
            "logits",
            "--model",
            llama.toString(),
            "--ids",
            ids,
            "--adapter",
            adapter.toString());
    assertThat(adapted.code()).as(adapted.err()).isZero();
    float[] withAdapter = JSON.readValue(adapted.out(), float[].class);
    float[] without = JSON.readValue(base.out(), float[].class);
    assertThat(withAdapter).hasSize(300);
    assertThat(withAdapter).isNotEqualTo(without);
    long[] tokens = Arrays.stream(ids.split(",")).mapToLong(Long::parseLong).toArray();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(llama, m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.load(adapter, "x");
      lora.activate("x");
      float[] all = model.logits(m.create(tokens, new Shape(1, 6)), null).toFloatArray();
      assertThat(withAdapter).containsExactly(Arrays.copyOfRange(all, 5 * 300, 6 * 300));
    }
  }

  @Test
  void generateWithAdapterRuns() {
    assertThat(trained.code()).as(trained.err()).isZero();
    CliTest.Run r =
        CliTest.run(
            "generate",
            "--model",
            llama.toString(),
            "--adapter",
            adapter.toString(),
            "--prompt",
            "item 3?",
            "--max-tokens",
            "6");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("item 3?");
    assertThat(r.err()).contains("tokens/s");
  }

  @Test
  void badRowsEmptyDataAndAForeignAdapterFailWithClearMessages() throws IOException {
    assertThat(trained.code()).as(trained.err()).isZero();
    List<String> bad = new ArrayList<>(rows().subList(0, 4));
    bad.set(2, "{\"prompt\": \"x\", \"completion\": 7");
    Path badFile = Files.write(tmp.resolve("bad.jsonl"), bad, StandardCharsets.UTF_8);
    CliTest.Run r =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            badFile.toString(),
            "--out",
            tmp.resolve("bad-out").toString(),
            "--max-steps",
            "1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.jsonl:3:").contains("--on-bad-row skip");

    CliTest.Run skipped =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            badFile.toString(),
            "--out",
            tmp.resolve("skip-out").toString(),
            "--max-steps",
            "1",
            "--on-bad-row",
            "skip");
    assertThat(skipped.code()).as(skipped.err()).isZero();
    assertThat(skipped.err()).contains("1 rows skipped").contains("line 3");

    Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "\n");
    CliTest.Run none =
        CliTest.run(
            "train",
            "--model",
            llama.toString(),
            "--data",
            empty.toString(),
            "--out",
            tmp.resolve("empty-out").toString());
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("empty.jsonl");

    Path wider = initLlama("wider", "48");
    CliTest.Run foreign =
        CliTest.run(
            "inspect",
            "logits",
            "--model",
            wider.toString(),
            "--ids",
            "1,2",
            "--adapter",
            adapter.toString());
    assertThat(foreign.code()).isEqualTo(1);
    assertThat(foreign.err())
        .contains("--adapter " + adapter)
        .contains("adapter_model.safetensors")
        .contains("lora_A");
  }
}
