/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

/**
 * PEFT's tensor names. In memory, a PEFT model's LoRA parameters are named {@code
 * base_model.model.<module>.lora_A.<adapter>.weight}; {@code get_peft_model_state_dict} removes the
 * adapter name when saving, so {@code adapter_model.safetensors} holds {@code
 * base_model.model.<module>.lora_A.weight} ({@code [r, in]}) and {@code ...lora_B.weight} ({@code
 * [out, r]}). Whole modules of {@code modules_to_save} are saved as {@code
 * base_model.model.<module>.<param>} (PEFT strips {@code modules_to_save.<adapter>}).
 */
public final class PeftKeys {
  /** What PEFT puts before a module path of the wrapped transformers model. */
  public static final String PREFIX = "base_model.model.";

  /** Suffix of a saved LoRA A. */
  public static final String LORA_A = ".lora_A.weight";

  /** Suffix of a saved LoRA B. */
  public static final String LORA_B = ".lora_B.weight";

  private PeftKeys() {}

  /** The saved key of A of the module at {@code path}. */
  public static String loraA(String path) {
    return PREFIX + path + LORA_A;
  }

  /** The saved key of B of the module at {@code path}. */
  public static String loraB(String path) {
    return PREFIX + path + LORA_B;
  }

  /**
   * PEFT's in-memory parameter name, e.g. {@code base_model.model.<path>.lora_A.<adapter>.weight}.
   */
  public static String parameter(String path, String adapter, boolean isA) {
    return PREFIX + path + (isA ? ".lora_A." : ".lora_B.") + adapter + ".weight";
  }

  /** The saved key of a {@code modules_to_save} tensor, e.g. {@code score.weight}. */
  public static String moduleToSave(String parameterPath) {
    return PREFIX + parameterPath;
  }
}
