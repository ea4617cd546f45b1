/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.train.ClassificationHead;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves a SecFPP client's prompt as two PEFT prompt-tuning directories: {@code DIR/global} holds
 * P_G (the part shared within the client's cluster), {@code DIR/local} holds P_L and the
 * classification head ({@code classifier.weight}, {@code classifier.bias}) — the private part, kept
 * apart so it is never shipped with the shared one. {@link #exportCombined} writes {@code P = P_G +
 * P_L} with the head as one plain prompt-tuning adapter for inference.
 */
public final class SecFppPromptFiles {
  /** Sub-directory of P_G. */
  public static final String GLOBAL_DIR = "global";

  /** Sub-directory of P_L and the head. */
  public static final String LOCAL_DIR = "local";

  private static final String TASK = "SEQ_CLS";

  private SecFppPromptFiles() {}

  /** A loaded client prompt and head; close both. */
  public record Loaded(SoftPrompt prompt, ClassificationHead head) implements AutoCloseable {
    @Override
    public void close() {
      prompt.close();
      head.close();
    }
  }

  /** Writes {@code dir/global} and {@code dir/local}. */
  public static void save(Path dir, SoftPrompt prompt, ClassificationHead head) throws IOException {
    PromptTuningFiles.write(
        dir.resolve(GLOBAL_DIR), prompt.config(), prompt.globalValues(), TASK, Map.of(), Map.of());
    Map<String, float[]> extras = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    headTensors(head, extras, shapes);
    PromptTuningFiles.write(
        dir.resolve(LOCAL_DIR), prompt.config(), prompt.localValues(), TASK, extras, shapes);
  }

  /** Writes {@code P_G + P_L} and the head as one prompt-tuning adapter in {@code dir}. */
  public static void exportCombined(Path dir, SoftPrompt prompt, ClassificationHead head)
      throws IOException {
    Map<String, float[]> extras = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    headTensors(head, extras, shapes);
    PromptTuningFiles.write(dir, prompt.config(), prompt.combinedValues(), TASK, extras, shapes);
  }

  /**
   * Reads what {@link #save} wrote.
   *
   * @throws IllegalArgumentException if the two parts disagree in shape or the head is missing
   */
  public static Loaded load(Path dir, NDManager parent) throws IOException {
    PromptTuningFiles.Loaded g = PromptTuningFiles.read(dir.resolve(GLOBAL_DIR));
    PromptTuningFiles.Loaded l = PromptTuningFiles.read(dir.resolve(LOCAL_DIR));
    if (!g.config().equals(l.config())) {
      throw new IllegalArgumentException(
          dir + ": global prompt " + g.config() + " and local prompt " + l.config() + " differ");
    }
    float[] w = l.extras().get(ClassificationHead.WEIGHT);
    float[] b = l.extras().get(ClassificationHead.BIAS);
    if (w == null || b == null) {
      throw new IllegalArgumentException(
          dir.resolve(LOCAL_DIR)
              + ": the head tensors "
              + ClassificationHead.WEIGHT
              + " and "
              + ClassificationHead.BIAS
              + " are missing");
    }
    int hidden = g.config().tokenDim();
    try (NDManager scope = parent.newSubManager()) {
      Map<String, NDArray> hp = new LinkedHashMap<>();
      hp.put(ClassificationHead.WEIGHT, scope.create(w, new Shape(b.length, hidden)));
      hp.put(ClassificationHead.BIAS, scope.create(b));
      ClassificationHead head = ClassificationHead.of(hp, parent);
      return new Loaded(SoftPrompt.of(g.config(), g.prompt(), l.prompt(), parent), head);
    }
  }

  private static void headTensors(
      ClassificationHead head, Map<String, float[]> extras, Map<String, long[]> shapes) {
    for (Map.Entry<String, NDArray> e : head.parameters().entrySet()) {
      extras.put(e.getKey(), e.getValue().toFloatArray());
      shapes.put(e.getKey(), e.getValue().getShape().getShape());
    }
  }
}
