/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Federated LoRA fine-tuning: {@link io.persona4j.federated.lora.LoraParameters} converts a LoRA
 * adapter's tensors to and from a {@link io.persona4j.federated.ParameterSet} (PEFT keys), and
 * {@link io.persona4j.federated.lora.LoraClientApp} trains an adapter of a frozen, shared Llama
 * base model on a client's examples (FedAvg or FedProx local training).
 */
package io.persona4j.federated.lora;
