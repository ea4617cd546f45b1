/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.privacy.RandomSource;

/**
 * Client-side noise for distributed DP: adds {@code N(0, s^2)} to every coordinate of the wrapped
 * app's (already clipped) reply, where {@code s =} {@link DpFedAvg#NOISE_STD_KEY} from the
 * instruction, i.e. {@code z C / sqrt(n)} for n sampled clients. The n noise shares sum to std
 * {@code z C}; under secure aggregation the server never sees a single client's noised update, so
 * no party needs to be trusted with adding the noise. Wrap as {@code new DistributedNoiseClient(new
 * ClippingClient(app), random)}: clip first, then noise.
 */
public final class DistributedNoiseClient implements ClientApp {
  private final ClientApp inner;
  private final RandomSource random;

  /**
   * @param inner the (clipping) client
   * @param random noise source ({@link RandomSource#secure()} in production)
   */
  public DistributedNoiseClient(ClientApp inner, RandomSource random) {
    this.inner = inner;
    this.random = random;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    Reply r = inner.fit(in);
    if (r.isError()) {
      return r;
    }
    double std = in.configDouble(DpFedAvg.NOISE_STD_KEY, Double.NaN);
    if (!(std >= 0) || Double.isInfinite(std)) {
      throw new IllegalStateException(
          "instruction for client '"
              + in.clientId()
              + "' has no finite '"
              + DpFedAvg.NOISE_STD_KEY
              + "' >= 0 (got "
              + std
              + "): use DpFedAvg in DISTRIBUTED mode");
    }
    float[] x = r.parameters().flatten();
    synchronized (random) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (x[i] + std * random.nextGaussian());
      }
    }
    return new Reply(
        r.clientId(),
        r.round(),
        r.parameters().withFlatValues(x),
        r.numExamples(),
        r.metrics(),
        null);
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return inner.evaluate(in);
  }
}
