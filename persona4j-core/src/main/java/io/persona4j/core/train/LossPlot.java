/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.chart.LineChart;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws the training and evaluation loss curves into a PNG (Java2D, headless) after every
 * evaluation and at the end of the run. The file is replaced atomically. Drawing problems are
 * logged, never allowed to fail the training run.
 */
public final class LossPlot implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(LossPlot.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Color TRAIN = new Color(31, 119, 180);
  private static final Color EVAL = new Color(255, 127, 14);

  private final Path file;
  private final String title;
  private final int width;
  private final int height;
  private final List<double[]> train = new ArrayList<>();
  private final List<double[]> eval = new ArrayList<>();

  /** A 900x540 plot titled "Training loss". */
  public LossPlot(Path file) {
    this(file, "Training loss", 900, 540);
  }

  public LossPlot(Path file, String title, int width, int height) {
    this.file = file;
    this.title = title;
    this.width = width;
    this.height = height;
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics m) {
    train.add(new double[] {m.step(), m.loss()});
  }

  @Override
  public void onEvaluation(TrainingContext context, EvalMetrics m) {
    eval.add(new double[] {m.step(), m.loss()});
    draw();
  }

  @Override
  public void onTrainEnd(TrainingContext context, Throwable failure) {
    draw();
  }

  /** Writes the PNG now; returns whether it succeeded (failures are logged). */
  public boolean draw() {
    try {
      List<LineChart.Series> series = new ArrayList<>();
      series.add(series("train loss", TRAIN, train, false));
      if (!eval.isEmpty()) {
        series.add(series("eval loss", EVAL, eval, true));
      }
      LineChart.write(file, title, "step", "loss", series, width, height);
      return true;
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.warn("cannot draw the loss plot {}: {}", file, e.toString());
      return false;
    }
  }

  private static LineChart.Series series(
      String name, Color color, List<double[]> points, boolean markers) {
    double[] x = new double[points.size()];
    double[] y = new double[points.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = points.get(i)[0];
      y[i] = points.get(i)[1];
    }
    return new LineChart.Series(name, color, x, y, markers);
  }

  @Override
  public String stateKey() {
    return "loss_plot";
  }

  @Override
  public JsonNode saveState() {
    ObjectNode s = MAPPER.createObjectNode();
    s.set("train", toJson(train));
    s.set("eval", toJson(eval));
    return s;
  }

  @Override
  public void restoreState(JsonNode state) {
    train.clear();
    eval.clear();
    fromJson(state.path("train"), train);
    fromJson(state.path("eval"), eval);
  }

  private static ArrayNode toJson(List<double[]> points) {
    ArrayNode a = MAPPER.createArrayNode();
    for (double[] p : points) {
      a.addArray().add(p[0]).add(p[1]);
    }
    return a;
  }

  private static void fromJson(JsonNode a, List<double[]> into) {
    for (JsonNode p : a) {
      into.add(new double[] {p.path(0).asDouble(), p.path(1).asDouble(Double.NaN)});
    }
  }
}
