/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/** Small {@link ClientApp}s for transport tests. */
final class TestApps {

  private TestApps() {}

  /** A FIT-only app from a function (EVALUATE answers an empty set). */
  static ClientApp fit(Function<Instruction, Reply> f) {
    return new ClientApp() {
      @Override
      public Reply fit(Instruction in) {
        return f.apply(in);
      }

      @Override
      public Reply evaluate(Instruction in) {
        return Reply.ok(in, ParameterSet.empty(), 1, Map.of());
      }
    };
  }

  /** Returns the received parameters unchanged. */
  static ClientApp echo() {
    return fit(in -> Reply.ok(in, in.parameters(), 1, Map.of()));
  }

  /** Counts down {@code started}, then sleeps {@code ms} (interruptible) before echoing. */
  static ClientApp sleeper(long ms, CountDownLatch started) {
    return new ClientApp() {
      @Override
      public Reply fit(Instruction in) throws InterruptedException {
        started.countDown();
        Thread.sleep(ms);
        return Reply.ok(in, in.parameters(), 1, Map.of());
      }

      @Override
      public Reply evaluate(Instruction in) {
        return Reply.ok(in, ParameterSet.empty(), 1, Map.of());
      }
    };
  }
}
