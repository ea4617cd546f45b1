/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A grid that records every instruction sent and every reply the server receives. */
final class TappedGrid implements Grid {
  final Grid inner;
  final List<Instruction> sent = new ArrayList<>();
  final List<Reply> received = new ArrayList<>();

  TappedGrid(Grid inner) {
    this.inner = inner;
  }

  @Override
  public List<String> clients() {
    return inner.clients();
  }

  @Override
  public synchronized RoundResult send(List<Instruction> instructions, Duration deadline) {
    sent.addAll(instructions);
    RoundResult r = inner.send(instructions, deadline);
    received.addAll(r.replies());
    return r;
  }
}
