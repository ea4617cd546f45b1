/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Parameter-efficient adapters on Persona4j's models: the shared bits ({@link
 * io.persona4j.adapters.AdapterProvenance}) here, LoRA in {@link io.persona4j.adapters.lora}.
 *
 * <p>Adapters attach to an {@link io.persona4j.core.model.AdaptableModel} by replacing its linear
 * layers; base weights stay frozen. Adapter directories follow Hugging Face PEFT's layout so that
 * adapters move between Persona4j and PEFT unchanged.
 */
package io.persona4j.adapters;
