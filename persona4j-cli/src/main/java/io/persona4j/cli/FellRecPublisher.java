/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.experiments.fellrec.FellRecExperiment;
import io.persona4j.experiments.fellrec.Method;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.PublishRequest;
import io.persona4j.serve.store.PublishResult;
import io.persona4j.serve.store.UserIds;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code fed experiment fellrec --publish-to URL}: publishes FELLRec's personalized adapters, one
 * per client (the client id as user id), as each seed finishes; the source is the federated run
 * {@code fellrec-<preset>-seed-<seed>} and its last round. Every seed adds a version; the last one
 * is active.
 */
final class FellRecPublisher implements FellRecExperiment.AdapterSink {
  private final String url;
  private final String preset;

  /** Checks the store now (before hours of training), not after. */
  FellRecPublisher(String url, String preset) {
    this.url = url;
    this.preset = preset;
    AdapterStore.open(url).close();
  }

  @Override
  public void accept(
      Method method, long seed, int rounds, Path baseModel, Map<String, Path> adapters)
      throws IOException {
    if (method != Method.FELLREC) {
      return; // the other methods' per-client adapters are not FELLRec's personalization
    }
    BaseModel base = BaseModel.of(baseModel);
    String run = "fellrec-" + preset + "-seed-" + seed;
    try (AdapterStore store = AdapterStore.open(url)) {
      for (Map.Entry<String, Path> e : adapters.entrySet()) {
        PublishResult r =
            store.publish(
                PublishRequest.builder()
                    .setUserId(UserIds.check(e.getKey()))
                    .setDirectory(e.getValue())
                    .setBaseModel(base)
                    .optSource(
                        AdapterSource.federated(
                            run, rounds, "persona4j fed experiment fellrec --preset " + preset))
                    .build());
        StorePublishing.print(store, r, System.out, System.err);
      }
    }
  }
}
