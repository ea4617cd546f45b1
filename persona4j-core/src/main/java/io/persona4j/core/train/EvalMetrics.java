/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/**
 * An evaluation on the held-out set.
 *
 * @param step optimizer steps completed when it ran
 * @param loss mean loss per target
 * @param accuracy fraction of correct predictions, NaN where it does not apply
 * @param targets targets the loss averaged over
 */
public record EvalMetrics(long step, double loss, double accuracy, long targets) {}
