/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.time.Duration;
import java.util.List;

/**
 * Transport between the server and its clients. Implementations (in-memory simulation, gRPC) must
 * behave the same to a strategy: every addressed client ends up either in {@link
 * RoundResult#replies()} or in {@link RoundResult#failures()}, never both, and a client failure
 * never throws out of {@link #send}; a reply is only attributed to the client that sent it (an
 * answer naming another client is a failure of the sender).
 */
public interface Grid {

  /** Ids of the clients currently reachable, sorted. */
  List<String> clients();

  /**
   * Sends one instruction per client (client ids must be distinct) and waits at most {@code
   * deadline} for the replies; clients not done by then are {@link Failure.Kind#TIMEOUT}.
   */
  RoundResult send(List<Instruction> instructions, Duration deadline);
}
