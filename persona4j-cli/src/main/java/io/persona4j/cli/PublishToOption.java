/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.PublishResult;
import io.persona4j.serve.store.UserIds;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.Option;

/** {@code --publish-to URL --user ID}: publish what a training run wrote to the adapter store. */
final class PublishToOption {
  @Option(
      names = "--publish-to",
      paramLabel = "URL",
      description =
          "After training, publish the adapter to this store (jdbc:sqlite:FILE or"
              + " jdbc:postgresql://...) as --user's new active version.")
  String url;

  @Option(
      names = "--user",
      description = "User id the adapter is published for (with --publish-to).")
  String user;

  /** Checks the options before any training is done. */
  void validate() {
    if (url == null) {
      if (user != null) {
        throw new IllegalArgumentException("--user is only used with --publish-to URL");
      }
      return;
    }
    if (user == null) {
      throw new IllegalArgumentException("--publish-to needs --user ID (whose adapter this is)");
    }
    UserIds.check(user);
    AdapterStore.open(url).close(); // fail now, not after training, if the store is unreachable
  }

  /**
   * Publishes the adapter files in {@code out} (not the metrics, plot or checkpoints) if asked.
   *
   * @return 0
   */
  int publish(Path model, Path out) throws IOException {
    if (url == null) {
      return 0;
    }
    String run = "train-" + Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String note = "persona4j train --out " + out.toAbsolutePath();
    AdapterSource source =
        AdapterSource.training(run, note.length() > 1000 ? note.substring(0, 1000) : note);
    try (AdapterStore store = AdapterStore.open(url)) {
      PublishResult r =
          StorePublishing.publish(
              store,
              user,
              out,
              model,
              null,
              source,
              true,
              StorePublishing.ADAPTER_FILES_OF_A_TRAINING_RUN);
      StorePublishing.print(store, r, System.out, System.err);
    }
    return 0;
  }
}
