/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import io.persona4j.adapters.AdapterProvenance;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What loading an adapter directory produced.
 *
 * @param name the adapter's name in the model
 * @param directory where it was read from
 * @param config its validated config
 * @param targets the module paths that got the adapter, in model order
 * @param modulesToSave the whole-module tensors saved with it (e.g. a classification head), by
 *     parameter path without PEFT's prefix, e.g. {@code score.weight}; they live outside the base
 *     model, on a manager freed when the adapter is deleted
 * @param provenance the Persona4j provenance, or null for an adapter written by PEFT
 */
public record LoadedAdapter(
    String name,
    Path directory,
    LoraConfig config,
    List<String> targets,
    Map<String, NDArray> modulesToSave,
    AdapterProvenance provenance) {
  /** Copies the collections. */
  public LoadedAdapter {
    targets = List.copyOf(targets);
    modulesToSave = Collections.unmodifiableMap(new LinkedHashMap<>(modulesToSave));
  }
}
