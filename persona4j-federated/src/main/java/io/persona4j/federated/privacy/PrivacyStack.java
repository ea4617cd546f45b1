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
 * The privacy decorators a federated client applies as the server's instructions ask, so that one
 * client serves plain, DP and secure-aggregation runs alike: secure-aggregation stages ({@link
 * SecAggClientApp#STAGE_KEY}) run the SecAgg client protocol around local training; a clip norm
 * ({@link DpFedAvg#CLIP_KEY}) clips the update ({@link ClippingClient}); a positive noise share
 * ({@link DpFedAvg#NOISE_STD_KEY}) adds distributed DP noise after clipping ({@link
 * DistributedNoiseClient}). Plain instructions go straight to the training app. One instance per
 * client (the SecAgg sessions live in it).
 *
 * <pre>{@code
 * ClientApp client = new PrivacyStack(trainingApp, RandomSource.secure());
 * }</pre>
 */
public final class PrivacyStack implements ClientApp {
  private final ClientApp train;
  private final ClientApp clipped;
  private final ClientApp noised;
  private final SecAggClientApp secure;

  /**
   * @param train the local training app
   * @param random source of masks and noise ({@link RandomSource#secure()})
   */
  public PrivacyStack(ClientApp train, RandomSource random) {
    this.train = train;
    this.clipped = new ClippingClient(train);
    this.noised = new DistributedNoiseClient(clipped, random);
    ClientApp dp =
        new ClientApp() {
          @Override
          public Reply fit(Instruction in) throws Exception {
            return plain(in);
          }

          @Override
          public Reply evaluate(Instruction in) throws Exception {
            return train.evaluate(in);
          }
        };
    this.secure = new SecAggClientApp(dp, random);
  }

  private Reply plain(Instruction in) throws Exception {
    if (in.configDouble(DpFedAvg.NOISE_STD_KEY, 0) > 0) {
      return noised.fit(in);
    }
    if (in.config().containsKey(DpFedAvg.CLIP_KEY)) {
      return clipped.fit(in);
    }
    return train.fit(in);
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    if (in.config().containsKey(SecAggClientApp.STAGE_KEY)) {
      return secure.fit(in);
    }
    return plain(in);
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return train.evaluate(in);
  }
}
