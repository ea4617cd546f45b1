/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test grid decorator recording every reply the server side receives, with its instruction. */
final class RecordingGrid implements Grid {
  record Exchange(Instruction instruction, Reply reply) {}

  private final Grid inner;
  final List<Exchange> seen = new ArrayList<>();

  RecordingGrid(Grid inner) {
    this.inner = inner;
  }

  @Override
  public List<String> clients() {
    return inner.clients();
  }

  @Override
  public synchronized RoundResult send(List<Instruction> instructions, Duration deadline) {
    RoundResult r = inner.send(instructions, deadline);
    Map<String, Instruction> by = new HashMap<>();
    instructions.forEach(i -> by.put(i.clientId(), i));
    for (Reply reply : r.replies()) {
      seen.add(new Exchange(by.get(reply.clientId()), reply));
    }
    return r;
  }
}
