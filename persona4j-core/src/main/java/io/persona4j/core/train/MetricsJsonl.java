/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends one JSON object per step ({@code "type": "train"}) and per evaluation ({@code "type":
 * "eval"}) to a JSON Lines file, flushed per line. Non-finite numbers are written as null. A new
 * run starts the file afresh; a resumed run keeps the rows up to its checkpoint's step and drops
 * later ones (written after the checkpoint by the interrupted run).
 */
public final class MetricsJsonl implements TrainingListener {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path file;
  private BufferedWriter out;
  private long resumedAt = -1;
  private long lastStep;

  public MetricsJsonl(Path file) {
    this.file = file;
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      List<String> keep = new ArrayList<>();
      if (resumedAt >= 0 && Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          JsonNode row = line.isBlank() ? null : MAPPER.readTree(line);
          if (row != null && row.path("step").asLong(Long.MAX_VALUE) <= resumedAt) {
            keep.add(line);
          }
        }
      }
      AtomicFiles.writeString(file, keep.isEmpty() ? "" : String.join("\n", keep) + "\n");
      out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open metrics file " + file, e);
    }
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics m) {
    ObjectNode row = MAPPER.createObjectNode();
    row.put("type", "train");
    row.put("step", m.step());
    number(row, "loss", m.loss());
    number(row, "learning_rate", m.learningRate());
    number(row, "grad_norm", m.gradNorm());
    row.put("targets", m.targets());
    row.put("tokens", m.tokens());
    number(row, "seconds", m.seconds());
    number(row, "epoch", m.epoch());
    write(row);
    lastStep = m.step();
  }

  @Override
  public void onEvaluation(TrainingContext context, EvalMetrics m) {
    ObjectNode row = MAPPER.createObjectNode();
    row.put("type", "eval");
    row.put("step", m.step());
    number(row, "loss", m.loss());
    number(row, "accuracy", m.accuracy());
    row.put("targets", m.targets());
    write(row);
  }

  @Override
  public void onTrainEnd(TrainingContext context, Throwable failure) {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close metrics file " + file, e);
      } finally {
        out = null;
      }
    }
  }

  private static void number(ObjectNode row, String field, double v) {
    if (Double.isFinite(v)) {
      row.put(field, v);
    } else {
      row.putNull(field);
    }
  }

  private void write(ObjectNode row) {
    if (out == null) {
      throw new IllegalStateException("metrics file " + file + " is not open (no onTrainBegin)");
    }
    try {
      out.write(MAPPER.writeValueAsString(row));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics file " + file, e);
    }
  }

  @Override
  public String stateKey() {
    return "metrics_jsonl";
  }

  @Override
  public JsonNode saveState() {
    return MAPPER.createObjectNode().put("step", lastStep);
  }

  @Override
  public void restoreState(JsonNode state) {
    resumedAt = state.path("step").asLong(0);
    lastStep = resumedAt;
  }
}
