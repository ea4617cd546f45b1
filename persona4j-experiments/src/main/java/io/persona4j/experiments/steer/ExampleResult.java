/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import java.util.Map;

/**
 * One row's answer to one test point of one seed.
 *
 * @param task {@code movies} or {@code reviews}
 * @param example index of the test point (the same points on every seed)
 * @param tokens the answer's token ids
 * @param steeredShare share of the answer's tokens the device steered (0 for unsteered rows)
 * @param metrics metric name to value
 */
public record ExampleResult(
    String task,
    int seed,
    String row,
    int example,
    String answer,
    long[] tokens,
    double steeredShare,
    Map<String, Double> metrics) {}
