/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import io.persona4j.adapters.lora.ServingAdapter;
import java.util.Objects;

/**
 * What one user's adapter version becomes in the server's memory: the LoRA factors laid out for
 * mixed-adapter batches, and for an encoder's classification adapter its head and labels. Later
 * kinds (PLoRA user vectors, SecFPP soft prompts) join here as further optional parts, so that the
 * cache, the leases and the endpoints stay as they are.
 *
 * @param ref the version it was loaded from
 * @param lora the LoRA factors (may target no module of a decoder, e.g. a head-only adapter)
 * @param classifier the classification head and labels, or null for a generation adapter
 */
public record Personalization(AdapterRef ref, ServingAdapter lora, ClassifierHead classifier)
    implements AutoCloseable {
  public Personalization {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(lora, "lora");
  }

  /** Bytes it holds in memory. */
  public long bytes() {
    return lora.bytes() + (classifier == null ? 0 : classifier.bytes());
  }

  @Override
  public void close() {
    lora.close();
    if (classifier != null) {
      classifier.close();
    }
  }
}
