/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.serve.store.AdapterEntry;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModelCheck;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fed experiment fellrec --publish-to}: FELLRec's per-client adapters land in the store. */
class FellRecPublishCliTest {
  @TempDir Path tmp;

  @Test
  void fellrecPublishesEachClientsPersonalizedAdapterWithRunAndRound() {
    String url = "jdbc:sqlite:" + tmp.resolve("store.db");
    Path data =
        Path.of(System.getProperty("persona4j.shared", "../../shared"), "data", "movielens-small");
    CliTest.Run r =
        CliTest.run(
            "fed",
            "experiment",
            "fellrec",
            "--preset",
            "smoke",
            "--methods",
            "FELLREC",
            "--seeds",
            "1",
            "--rounds",
            "1",
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("out").toString(),
            "--publish-to",
            url);
    assertThat(r.code()).as(r.err()).isZero();
    try (AdapterStore store = AdapterStore.open(url)) {
      List<String> users = store.users(null, 100);
      assertThat(users).hasSize(5).allMatch(u -> u.startsWith("client-"));
      List<String> hashes =
          users.stream()
              .map(u -> store.active(u, AdapterKind.LORA).orElseThrow())
              .peek(
                  e -> {
                    assertThat(e.version()).isEqualTo(1);
                    assertThat(e.source())
                        .isEqualTo(
                            new AdapterSource(
                                AdapterSource.Type.FEDERATED,
                                "fellrec-smoke-seed-1",
                                1,
                                "persona4j fed experiment fellrec --preset smoke"));
                    assertThat(e.baseModelCheck()).isEqualTo(BaseModelCheck.FINGERPRINT);
                  })
              .map(AdapterEntry::contentHash)
              .toList();
      // personalized: FELLRec gives each client its own adapter
      assertThat(hashes).doesNotHaveDuplicates();
      store.read(users.get(0), AdapterKind.LORA, 1); // verified
    }
    CliTest.Run wrong =
        CliTest.run("fed", "experiment", "fellrec", "--methods", "FEDAVG", "--publish-to", url);
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("--methods must include FELLREC");
  }
}
