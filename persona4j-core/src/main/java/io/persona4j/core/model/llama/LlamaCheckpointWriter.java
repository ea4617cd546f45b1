/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves a (trained) decoder in Hugging Face layout: {@code config.json} and {@code
 * model.safetensors} (F32, checkpoint names, Persona4j provenance in the metadata), each written
 * atomically, so that a crash leaves the previous files intact. The tokenizer is the caller's: it
 * does not change when weights do.
 */
public final class LlamaCheckpointWriter {
  private LlamaCheckpointWriter() {}

  /** Writes {@code model}'s config and weights into {@code dir} (created if needed). */
  public static void save(LlamaModel model, Path dir) throws IOException {
    Map<String, HostTensor> host = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : model.weights().entrySet()) {
      host.put(e.getKey(), HostTensor.fromNDArray(e.getValue()));
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), host, Provenance.metadata());
    ModelConfigs.save(model.config(), dir);
  }
}
