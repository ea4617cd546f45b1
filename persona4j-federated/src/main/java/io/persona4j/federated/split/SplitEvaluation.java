/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

/**
 * The result of an evaluation pass over a split client's evaluation examples.
 *
 * @param meanLoss summed token loss over all batches divided by {@code targets}
 * @param targets target tokens evaluated
 * @param batches evaluation batches
 * @param bytesUp bytes received from the client, as the grid accounted them
 * @param bytesDown bytes sent to the client, as the grid accounted them
 */
public record SplitEvaluation(
    double meanLoss, long targets, int batches, long bytesUp, long bytesDown) {}
