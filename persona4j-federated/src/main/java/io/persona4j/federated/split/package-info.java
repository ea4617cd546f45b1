/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Split learning ("flexible storage", FELLRec): a decoder whose front layers, tail layers and LM
 * head stay on the client while the server runs the middle layers. The client sends hidden states
 * of its last front layer, the server answers with the hidden states of its last layer, the client
 * finishes the forward pass and the loss on its own labels; gradients of those hidden states flow
 * back the same way. Every message is an {@link io.persona4j.federated.Instruction} or {@link
 * io.persona4j.federated.Reply} over a {@link io.persona4j.federated.Grid}, so the same code runs
 * in simulation and over gRPC. {@link io.persona4j.federated.split.SplitServer} drives the steps;
 * {@link io.persona4j.federated.split.SplitClientApp} is the client's state machine.
 */
package io.persona4j.federated.split;
