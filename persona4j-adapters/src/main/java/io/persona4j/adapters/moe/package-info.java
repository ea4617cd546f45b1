/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Instance-wise mixture of LoRA experts (iLoRA, Kong et al., NeurIPS 2024): one rank-r LoRA per
 * target layer split into K rank-r/K experts, weighted per sequence by a gate shared by all layers
 * and tokens. {@link io.persona4j.adapters.moe.MoeLoraModel} is the entry point; targets, init and
 * the PEFT files come from {@link io.persona4j.adapters.lora}.
 */
package io.persona4j.adapters.moe;
