/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

/**
 * What one optimizer step did.
 *
 * @param step steps completed, counting this one (1 for the first)
 * @param loss mean loss per target over the step's examples
 * @param learningRate the rate the update used
 * @param gradNorm global gradient norm before clipping
 * @param targets targets the loss averaged over (tokens or examples)
 * @param tokens real input tokens processed
 * @param seconds wall time of the step
 * @param epoch examples consumed so far divided by the training set size
 */
public record StepMetrics(
    long step,
    double loss,
    double learningRate,
    double gradNorm,
    long targets,
    long tokens,
    double seconds,
    double epoch) {}
