/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import io.persona4j.adapters.lora.ServingAdapter;
import java.util.Objects;

/**
 * What one user's adapter version becomes in the server's memory: the LoRA factors laid out for
 * mixed-adapter batches, and for an encoder's classification adapter its head and labels; or, on a
 * server of a shared PLoRA adapter, the user's PLoRA vector with its per-layer biases ({@link
 * PLoraUser}). Later kinds (SecFPP soft prompts) join here as further optional parts, so that the
 * cache, the leases and the endpoints stay as they are.
 *
 * @param ref the version it was loaded from
 * @param lora the LoRA factors (may target no module of a decoder, e.g. a head-only adapter); null
 *     only for a PLoRA user vector
 * @param classifier the classification head and labels, or null for a generation adapter
 * @param plora a PLoRA user's vector and biases, or null
 */
public record Personalization(
    AdapterRef ref, ServingAdapter lora, ClassifierHead classifier, PLoraUser plora)
    implements AutoCloseable {
  public Personalization {
    Objects.requireNonNull(ref, "ref");
    if (lora == null && plora == null) {
      throw new NullPointerException("lora (or, for a PLoRA user vector, plora)");
    }
  }

  /** A LoRA personalization (no PLoRA part). */
  public Personalization(AdapterRef ref, ServingAdapter lora, ClassifierHead classifier) {
    this(ref, Objects.requireNonNull(lora, "lora"), classifier, null);
  }

  /** A PLoRA user vector. */
  public static Personalization of(AdapterRef ref, PLoraUser plora) {
    return new Personalization(ref, null, null, Objects.requireNonNull(plora, "plora"));
  }

  /** Bytes it holds in memory. */
  public long bytes() {
    return (lora == null ? 0 : lora.bytes())
        + (classifier == null ? 0 : classifier.bytes())
        + (plora == null ? 0 : plora.bytes());
  }

  @Override
  public void close() {
    if (lora != null) {
      lora.close();
    }
    if (classifier != null) {
      classifier.close();
    }
  }
}
