/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * Stops the run when the evaluation loss has not improved by more than {@code minDelta} on its best
 * value for {@code patience} evaluations in a row.
 */
public final class EarlyStopping implements TrainingListener {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final int patience;
  private final double minDelta;
  private double best = Double.POSITIVE_INFINITY;
  private long bestStep = -1;
  private int bad;

  /**
   * @param patience evaluations without improvement tolerated, >= 1
   * @param minDelta improvement below which an evaluation does not count as better, >= 0
   */
  public EarlyStopping(int patience, double minDelta) {
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be >= 1, got " + patience);
    }
    if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
      throw new IllegalArgumentException("minDelta must be finite and >= 0, got " + minDelta);
    }
    this.patience = patience;
    this.minDelta = minDelta;
  }

  @Override
  public void onEvaluation(TrainingContext context, EvalMetrics m) {
    if (m.loss() < best - minDelta) {
      best = m.loss();
      bestStep = m.step();
      bad = 0;
      return;
    }
    bad++;
    if (bad >= patience) {
      context.requestStop(
          String.format(
              Locale.ROOT,
              "early stopping: eval loss has not improved on %.6g (step %d) for %d evaluations",
              best,
              bestStep,
              bad));
    }
  }

  /** The best evaluation loss seen (infinity before the first evaluation). */
  public double best() {
    return best;
  }

  /** The step of the best evaluation, -1 before the first. */
  public long bestStep() {
    return bestStep;
  }

  @Override
  public String stateKey() {
    return "early_stopping";
  }

  @Override
  public JsonNode saveState() {
    ObjectNode s = MAPPER.createObjectNode();
    if (Double.isFinite(best)) {
      s.put("best", best);
    }
    s.put("best_step", bestStep);
    s.put("evaluations_without_improvement", bad);
    return s;
  }

  @Override
  public void restoreState(JsonNode state) {
    best = state.has("best") ? state.get("best").asDouble() : Double.POSITIVE_INFINITY;
    bestStep = state.path("best_step").asLong(-1);
    bad = state.path("evaluations_without_improvement").asInt(0);
  }
}
