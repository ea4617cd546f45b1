/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.privacy.dp.Clipping;
import java.util.HashMap;
import java.util.Map;

/**
 * Client-side half of DP-FedAvg: trains with the wrapped app, then clips the update {@code reply -
 * sent} to the L2 norm {@link DpFedAvg#CLIP_KEY} from the instruction and reports whether it was
 * within the clip as the metric {@link DpFedAvg#UNCLIPPED_METRIC} (1 or 0, used by adaptive
 * clipping). Evaluation passes through unchanged.
 */
public final class ClippingClient implements ClientApp {
  private final ClientApp inner;

  /** Clips the updates of {@code inner}. */
  public ClippingClient(ClientApp inner) {
    this.inner = inner;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    Reply r = inner.fit(in);
    if (r.isError()) {
      return r;
    }
    double clip = in.configDouble(DpFedAvg.CLIP_KEY, Double.NaN);
    if (!(clip > 0)) {
      throw new IllegalStateException(
          "instruction for client '"
              + in.clientId()
              + "' has no positive '"
              + DpFedAvg.CLIP_KEY
              + "' (got "
              + clip
              + "): wrap the server strategy in DpFedAvg");
    }
    float[] sent = in.parameters().flatten();
    float[] update = r.parameters().flatten();
    for (int i = 0; i < update.length; i++) {
      update[i] -= sent[i];
    }
    double norm = Clipping.clipL2InPlace(update, clip);
    for (int i = 0; i < update.length; i++) {
      update[i] += sent[i];
    }
    Map<String, Double> metrics = new HashMap<>(r.metrics());
    metrics.put(DpFedAvg.UNCLIPPED_METRIC, norm <= clip ? 1.0 : 0.0);
    return new Reply(
        r.clientId(),
        r.round(),
        in.parameters().withFlatValues(update),
        r.numExamples(),
        metrics,
        null);
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return inner.evaluate(in);
  }
}
