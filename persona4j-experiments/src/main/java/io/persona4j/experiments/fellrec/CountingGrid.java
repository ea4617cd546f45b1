/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.RoundResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** A {@link Grid} decorator counting the instructions sent and the bytes moved each way. */
public final class CountingGrid implements Grid {
  private final Grid inner;
  private long messages;
  private long bytesDown;
  private long bytesUp;

  /** Counts what passes through {@code inner}. */
  public CountingGrid(Grid inner) {
    this.inner = Objects.requireNonNull(inner, "inner");
  }

  @Override
  public List<String> clients() {
    return inner.clients();
  }

  @Override
  public synchronized RoundResult send(List<Instruction> instructions, Duration deadline) {
    messages += instructions.size();
    RoundResult r = inner.send(instructions, deadline);
    for (ClientStats s : r.stats()) {
      bytesDown += s.bytesDown();
      bytesUp += s.bytesUp();
    }
    return r;
  }

  /** Instructions sent so far. */
  public synchronized long messages() {
    return messages;
  }

  /** Bytes sent to clients so far. */
  public synchronized long bytesDown() {
    return bytesDown;
  }

  /** Bytes received from clients so far. */
  public synchronized long bytesUp() {
    return bytesUp;
  }
}
