/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterPayload;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.PublishRequest;
import io.persona4j.serve.store.PublishResult;
import io.persona4j.serve.store.StoreLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Predicate;

/** Publishing an adapter directory to the store: {@code store put}, {@code train --publish-to}. */
final class StorePublishing {
  /** What a training run writes beside the adapter and is not part of it. */
  static final Predicate<String> ADAPTER_FILES_OF_A_TRAINING_RUN =
      p ->
          !p.startsWith("checkpoints/")
              && !Set.of("metrics.jsonl", "loss.png", "train.jsonl").contains(p);

  private StorePublishing() {}

  static PublishResult publish(
      AdapterStore store,
      String user,
      Path adapterDir,
      Path modelDir,
      AdapterKind kind,
      AdapterSource source,
      boolean activate,
      Predicate<String> include)
      throws IOException {
    AdapterPayload payload = AdapterPayload.readDirectory(adapterDir, StoreLimits.DEFAULT, include);
    return store.publish(
        PublishRequest.builder()
            .setUserId(user)
            .setPayload(payload)
            .setBaseModel(BaseModel.of(modelDir))
            .optKind(kind)
            .optSource(source)
            .optActivate(activate)
            .build());
  }

  static void print(AdapterStore store, PublishResult r, PrintStream out, PrintStream err) {
    for (String w : r.warnings()) {
      err.println("warning: " + w);
    }
    var e = r.entry();
    err.printf(
        "%s: published %s%s: %d files, %d bytes, %s, base %s%n",
        store.displayUrl(),
        e.describe(),
        e.active() ? " (active)" : " (not active)",
        e.fileCount(),
        e.byteSize(),
        e.contentHash(),
        ModelFingerprint.abbreviate(e.baseModelFingerprint()));
    out.println(StoreTable.toJson(e));
  }
}
