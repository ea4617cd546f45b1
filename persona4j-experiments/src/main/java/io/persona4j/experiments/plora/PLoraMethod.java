/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.plora;

/** The methods of the PLoRA experiment, trained on the users of group "a". */
public enum PLoraMethod {
  /** Frozen encoder, mean pooling, a linear head. */
  HEAD("frozen encoder + head", false, false),
  /** A learned user-id embedding concatenated to the frozen pooled output, then the head. */
  USER_EMB("user-id embedding ++ pooled", false, true),
  /** LoRA on query/value and the head, no user (the task LoRA PLoRA is compared with). */
  TASK_LORA("task LoRA (no user)", true, false),
  /** PLoRA as configured (personalized dropout on, MI term off). */
  PLORA("PLoRA", true, true),
  /** Ablation: PLoRA without personalized dropout ({@code p_rate} 0). */
  PLORA_NO_PDROP("PLoRA, p_rate 0", true, true),
  /** Ablation: PLoRA with the mutual-information term ({@code mim > 0}). */
  PLORA_MI("PLoRA + MI term", true, true);

  private final String label;
  private final boolean finetunesEncoder;
  private final boolean personalized;

  PLoraMethod(String label, boolean finetunesEncoder, boolean personalized) {
    this.label = label;
    this.finetunesEncoder = finetunesEncoder;
    this.personalized = personalized;
  }

  /** A human-readable name for tables. */
  public String label() {
    return label;
  }

  /** Whether it trains adapters in the encoder (and so costs an encoder backward pass per step). */
  public boolean finetunesEncoder() {
    return finetunesEncoder;
  }

  /** Whether it has a per-user part (a vector or an embedding). */
  public boolean personalized() {
    return personalized;
  }

  /** Whether it is one of the PLoRA variants. */
  public boolean isPLora() {
    return this == PLORA || this == PLORA_NO_PDROP || this == PLORA_MI;
  }

  /** Whether this is one of PLoRA's ablations (run after the main comparison). */
  public boolean isAblation() {
    return this == PLORA_NO_PDROP || this == PLORA_MI;
  }
}
