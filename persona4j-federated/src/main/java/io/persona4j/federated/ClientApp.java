/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

/**
 * The client side of a federated task: trains or evaluates locally on data that never leaves the
 * client. Implementations may throw; the grid turns an exception into a {@link Failure}.
 */
public interface ClientApp {

  /** Trains from {@code instruction.parameters()} and returns the updated parameters. */
  Reply fit(Instruction instruction) throws Exception;

  /** Evaluates {@code instruction.parameters()}; the reply carries metrics and an empty set. */
  Reply evaluate(Instruction instruction) throws Exception;
}
