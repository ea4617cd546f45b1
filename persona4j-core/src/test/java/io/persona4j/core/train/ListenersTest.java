/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenersTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void earlyStoppingCountsEvaluationsWithoutImprovement() {
    FakeContext c = new FakeContext(100);
    EarlyStopping es = new EarlyStopping(2, 0.01);
    es.onEvaluation(c, new EvalMetrics(10, 1.0, Double.NaN, 5));
    es.onEvaluation(c, new EvalMetrics(20, 0.995, Double.NaN, 5)); // better by < minDelta: bad 1
    assertThat(c.stopReason).isNull();
    es.onEvaluation(c, new EvalMetrics(30, 0.5, Double.NaN, 5)); // improvement resets
    es.onEvaluation(c, new EvalMetrics(40, 0.6, Double.NaN, 5)); // bad 1
    assertThat(c.stopReason).isNull();
    JsonNode saved = es.saveState();
    es.onEvaluation(c, new EvalMetrics(50, 0.7, Double.NaN, 5)); // bad 2: stop
    assertThat(c.stopReason)
        .isEqualTo(
            "early stopping: eval loss has not improved on 0.500000 (step 30) for 2 evaluations");
    // a restored listener continues from the saved count
    FakeContext c2 = new FakeContext(100);
    EarlyStopping restored = new EarlyStopping(2, 0.01);
    restored.restoreState(saved);
    assertThat(restored.best()).isEqualTo(0.5);
    assertThat(restored.bestStep()).isEqualTo(30);
    restored.onEvaluation(c2, new EvalMetrics(50, 0.7, Double.NaN, 5));
    assertThat(c2.stopReason).contains("early stopping");
    assertThatThrownBy(() -> new EarlyStopping(0, 0)).hasMessageContaining("patience");
  }

  @Test
  void metricsJsonlWritesOneRowPerStepAndEvaluationAndTrimsOnResume() throws IOException {
    Path file = dir.resolve("logs/metrics.jsonl");
    FakeContext c = new FakeContext(4);
    MetricsJsonl metrics = new MetricsJsonl(file);
    metrics.onTrainBegin(c);
    for (int s = 1; s <= 4; s++) {
      metrics.onStep(c, FakeContext.step(s, 3.0 / s));
      if (s % 2 == 0) {
        metrics.onEvaluation(c, new EvalMetrics(s, 2.0 / s, Double.NaN, 7));
      }
    }
    metrics.onTrainEnd(c, null);
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(6);
    JsonNode first = MAPPER.readTree(lines.get(0));
    assertThat(first.get("type").asText()).isEqualTo("train");
    assertThat(first.get("step").asLong()).isEqualTo(1);
    assertThat(first.get("loss").asDouble()).isEqualTo(3.0);
    assertThat(first.get("learning_rate").asDouble()).isEqualTo(1e-3);
    assertThat(first.get("tokens").asLong()).isEqualTo(100);
    JsonNode eval = MAPPER.readTree(lines.get(2));
    assertThat(eval.get("type").asText()).isEqualTo("eval");
    assertThat(eval.get("loss").asDouble()).isEqualTo(1.0);
    assertThat(eval.get("accuracy").isNull()).isTrue();

    // resumed from a checkpoint at step 2: rows of steps 3 and 4 (written after it) go
    MetricsJsonl resumed = new MetricsJsonl(file);
    resumed.restoreState(MAPPER.createObjectNode().put("step", 2));
    resumed.onTrainBegin(c);
    resumed.onStep(c, FakeContext.step(3, 0.9));
    resumed.onTrainEnd(c, null);
    List<String> after = Files.readAllLines(file);
    assertThat(after).hasSize(4);
    assertThat(after.subList(0, 3)).isEqualTo(lines.subList(0, 3));
    assertThat(MAPPER.readTree(after.get(3)).get("loss").asDouble()).isEqualTo(0.9);
  }

  @Test
  void progressRewritesOneLineOnATerminal() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    List<String> log = new ArrayList<>();
    FakeContext c = new FakeContext(3);
    ProgressListener p = new ProgressListener(true, 1, out, log::add);
    p.onTrainBegin(c);
    p.onStep(c, FakeContext.step(1, 2.5));
    p.onStep(c, FakeContext.step(2, 2.25));
    p.onEvaluation(c, new EvalMetrics(2, 2.0, 0.75, 4));
    p.onStep(c, FakeContext.step(3, 2.0));
    p.onTrainEnd(c, null);
    String s = bytes.toString(StandardCharsets.UTF_8);
    assertThat(s)
        .startsWith("\rstep 1/3 | loss 2.5000 | lr 0.00100 | ")
        .contains("\rstep 2/3 | loss 2.2500")
        .contains("\rstep 2 | eval loss 2.0000 | eval accuracy 0.7500")
        .contains("tok/s | elapsed 0:00:00 | ETA ")
        .endsWith("\n");
    assertThat(s.chars().filter(ch -> ch == '\n').count()).isEqualTo(2); // eval line and the end
    assertThat(log).isEmpty();
  }

  @Test
  void progressLogsEveryNStepsWithoutATerminal() {
    List<String> log = new ArrayList<>();
    FakeContext c = new FakeContext(5);
    ProgressListener p =
        new ProgressListener(false, 2, new PrintStream(new ByteArrayOutputStream()), log::add);
    p.onTrainBegin(c);
    for (int s = 1; s <= 5; s++) {
      p.onStep(c, FakeContext.step(s, 1.0 / s));
    }
    p.onEvaluation(c, new EvalMetrics(5, 0.1, Double.NaN, 4));
    assertThat(log).hasSize(4);
    assertThat(log.get(0)).startsWith("step 2/5 | loss 0.5000");
    assertThat(log.get(1)).startsWith("step 4/5 ");
    assertThat(log.get(2)).startsWith("step 5/5 "); // the last step is always reported
    assertThat(log.get(3)).isEqualTo("step 5 | eval loss 0.1000");
    assertThat(ProgressListener.duration(3725)).isEqualTo("1:02:05");
  }

  @Test
  void lossPlotWritesAReadablePng() throws IOException {
    Path png = dir.resolve("plots/loss.png");
    FakeContext c = new FakeContext(60);
    LossPlot plot = new LossPlot(png);
    for (int s = 1; s <= 60; s++) {
      double loss = 0.2 + 3.0 * Math.exp(-s / 12.0) + 0.05 * Math.sin(s * 1.7);
      plot.onStep(c, FakeContext.step(s, loss));
      if (s % 10 == 0) {
        plot.onEvaluation(c, new EvalMetrics(s, 0.3 + 3.0 * Math.exp(-s / 14.0), Double.NaN, 9));
      }
    }
    plot.onTrainEnd(c, null);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(900);
    assertThat(img.getHeight()).isEqualTo(540);
    int blue = 0;
    int orange = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        blue += rgb == 0x1F77B4 ? 1 : 0;
        orange += rgb == 0xFF7F0E ? 1 : 0;
      }
    }
    assertThat(blue).as("train curve pixels").isGreaterThan(300);
    assertThat(orange).as("eval curve pixels").isGreaterThan(100);
    // the curve state survives a checkpoint
    LossPlot restored = new LossPlot(dir.resolve("other.png"));
    restored.restoreState(plot.saveState());
    assertThat(restored.saveState()).isEqualTo(plot.saveState());
  }
}
