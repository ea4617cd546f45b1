/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a stored entry is: each user has at most one active version per kind. The {@link #id()} is
 * what the database, the command line ({@code --kind}) and the JSON of other components use.
 */
public enum AdapterKind {
  /** A LoRA adapter in PEFT's layout ({@code adapter_config.json} with {@code peft_type LORA}). */
  LORA("lora", "LoRA adapter (PEFT directory)"),
  /**
   * A sequence classifier: a PEFT LoRA adapter whose {@code modules_to_save} holds the
   * classification head (plus {@code classifier.json} with the label names when Persona4j wrote
   * it).
   */
  CLASSIFIER("classifier", "LoRA adapter with a classification head (PEFT modules_to_save)"),
  /**
   * An iLoRA mixture of LoRA experts: a PEFT adapter plus {@code moe_config.json} and, for a linear
   * gate, {@code moe_gate.safetensors}.
   */
  MOE("moe", "iLoRA mixture of LoRA experts with its gate"),
  /**
   * A soft prompt in PEFT's prompt-tuning layout (SecFPP's private part P_L and its head, or a
   * SecFPP client directory with {@code local/} and {@code global/}).
   */
  SOFT_PROMPT("soft_prompt", "soft prompt (PEFT prompt tuning; SecFPP P_L + head)"),
  /**
   * A small per-user vector (PLoRA's user embedding): float safetensors whose layout PLoRA defines.
   * It must record its base-model fingerprint.
   */
  USER_VECTOR("user_vector", "per-user vector (PLoRA)");

  private final String id;
  private final String description;

  AdapterKind(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** The stable identifier ({@code lora}, {@code classifier}, {@code moe}, ...). */
  public String id() {
    return id;
  }

  /** A one-line description for help texts and messages. */
  public String description() {
    return description;
  }

  /**
   * The kind whose {@link #id()} is {@code id} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and the known kinds
   */
  public static AdapterKind of(String id) {
    if (id != null) {
      String lower = id.trim().toLowerCase(Locale.ROOT);
      for (AdapterKind k : values()) {
        if (k.id.equals(lower)) {
          return k;
        }
      }
    }
    throw new IllegalArgumentException(
        "kind "
            + StoreInputs.quote(id)
            + " is not an adapter kind (known: "
            + String.join(", ", Arrays.stream(values()).map(AdapterKind::id).toList())
            + ")");
  }

  @Override
  public String toString() {
    return id;
  }
}
