/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.util.List;

/** The run stopped: a round could not collect enough valid replies within its retries. */
public final class FederatedRunException extends RuntimeException {

  private final int round;
  private final List<Failure> failures;

  /**
   * @param round the round that failed
   * @param message what happened and what to change
   * @param failures the failures of the last attempt
   */
  public FederatedRunException(int round, String message, List<Failure> failures) {
    super(message);
    this.round = round;
    this.failures = List.copyOf(failures);
  }

  /** The round that failed. */
  public int round() {
    return round;
  }

  /** The failures of the last attempt. */
  public List<Failure> failures() {
    return failures;
  }
}
