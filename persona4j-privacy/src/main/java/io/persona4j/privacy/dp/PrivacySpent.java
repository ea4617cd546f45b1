/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.dp;

/**
 * An (epsilon, delta) guarantee and the Rényi order that gave the smallest epsilon.
 *
 * @param epsilon the epsilon (may be infinite)
 * @param delta the target delta
 * @param order the optimal RDP order
 */
public record PrivacySpent(double epsilon, double delta, double order) {}
