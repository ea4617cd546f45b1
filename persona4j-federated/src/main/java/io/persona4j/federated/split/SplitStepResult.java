/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

/**
 * What one split-learning step did, as the server saw it.
 *
 * @param step the step number, {@code >= 1}
 * @param loss the client's mean token loss of the step's batch (before the update)
 * @param batch B of the step's hidden states (0 without a split)
 * @param length T of the step's hidden states (0 without a split)
 * @param hidden H of the step's hidden states (0 without a split)
 * @param bytesUp bytes received from the client over all stages, as the grid accounted them
 * @param bytesDown bytes sent to the client over all stages, as the grid accounted them
 */
public record SplitStepResult(
    int step, double loss, int batch, int length, int hidden, long bytesUp, long bytesDown) {

  /** The activation and gradient payload of the step: {@code 4 * 4 B T H} bytes (both ways). */
  public long activationBytes() {
    return 4 * SplitProtocol.hiddenBytes(batch, length, hidden);
  }
}
