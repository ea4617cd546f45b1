/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * LoRA (Hu et al. 2021) as Hugging Face PEFT implements it: {@code h = W0 x + b + (alpha / r) B A
 * dropout(x)} (or {@code alpha / sqrt(r)} with rsLoRA), A {@code [r, in]} Kaiming-uniform, B {@code
 * [out, r]} zero at init.
 *
 * <ul>
 *   <li>{@link io.persona4j.adapters.lora.LoraConfig}: {@code adapter_config.json}, read and
 *       written by {@link io.persona4j.adapters.lora.LoraConfigs}.
 *   <li>{@link io.persona4j.adapters.lora.TargetSelector}: PEFT's rules for which modules a config
 *       targets; {@link io.persona4j.adapters.lora.LoraInjector} puts adapters there.
 *   <li>{@link io.persona4j.adapters.lora.LoraLinear}: a frozen base layer plus named {@link
 *       io.persona4j.adapters.lora.LoraUnit}s; merge and exact unmerge.
 *   <li>{@link io.persona4j.adapters.lora.LoraModel}: the facade (add, load, save, activate, merge,
 *       trainable parameters, counts).
 *   <li>{@link io.persona4j.adapters.lora.PeftAdapterFiles} and {@link
 *       io.persona4j.adapters.lora.PeftKeys}: PEFT's files and tensor names.
 *   <li>{@link io.persona4j.adapters.lora.RankGate} and {@link
 *       io.persona4j.adapters.lora.LoraInjector.UnitFactory}: the hooks LoRA variants with PEFT's
 *       tensors use ({@link io.persona4j.adapters.moe}: per-sequence gating of rank blocks).
 * </ul>
 */
package io.persona4j.adapters.lora;
