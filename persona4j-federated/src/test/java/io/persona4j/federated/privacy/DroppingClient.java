/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.privacy.secagg.Stage;

/** Test client that drops (throws) when asked for a given secure-aggregation stage. */
final class DroppingClient implements ClientApp {
  private final ClientApp inner;
  private final Stage dropAt;

  DroppingClient(ClientApp inner, Stage dropAt) {
    this.inner = inner;
    this.dropAt = dropAt;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    if (dropAt.name().equals(in.config().get(SecAggClientApp.STAGE_KEY))) {
      throw new java.io.IOException("connection lost at " + dropAt);
    }
    return inner.fit(in);
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return inner.evaluate(in);
  }
}
