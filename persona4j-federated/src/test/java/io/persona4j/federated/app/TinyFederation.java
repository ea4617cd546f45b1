/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A tiny random Llama on disk and three clients' JSONL files, as a user would have them. */
final class TinyFederation {
  static final List<String> CLIENTS = List.of("alice", "bob", "carol");

  private TinyFederation() {}

  /** Writes {@code dir/model} (2 layers, hidden 32, byte-level vocab 300). */
  static Path model(Path dir) throws IOException {
    Path model = dir.resolve("model");
    LlamaConfig c = ModelInit.decoderConfig("llama", 2, 32, 4, 2, 300, 0, 64);
    ModelInit.write(c, 5, 0.2f, DType.F32, model);
    return model;
  }

  /** Writes {@code dir/data/<client>.jsonl}: six prompt/completion rows per client. */
  static Path data(Path dir) throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    String[] colors = {"teal", "amber", "plum"};
    for (int k = 0; k < CLIENTS.size(); k++) {
      List<String> rows = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        rows.add(
            "{\"prompt\": \"Q: color of item "
                + (10 * k + i)
                + "?\", \"completion\": \" A: "
                + colors[(k + i) % 3]
                + ".\"}");
      }
      Files.write(data.resolve(CLIENTS.get(k) + ".jsonl"), rows);
    }
    return data;
  }
}
