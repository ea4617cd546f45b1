/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Federated LoRA fine-tuning as a library: what {@code persona4j fed server|client|simulate} run,
 * for a Java application to embed. {@link io.persona4j.federated.app.FederatedLoraConfig} (the
 * settings of {@code server.json}: {@link io.persona4j.federated.app.LoraSettings}, {@link
 * io.persona4j.federated.app.AggregationStrategy}, {@link
 * io.persona4j.federated.app.SecAggSettings}, {@link io.persona4j.federated.app.DpSettings}), a
 * {@link io.persona4j.federated.app.LoraBase} (the frozen base model), {@link
 * io.persona4j.federated.app.FederatedLoraClient} on each data owner (inside a {@link
 * io.persona4j.federated.privacy.PrivacyStack}) and {@link
 * io.persona4j.federated.app.FederatedLoraRun} on the server, over any {@link
 * io.persona4j.federated.Grid}: {@link io.persona4j.federated.sim.InMemoryGrid} in one process, or
 * the gRPC grid of {@code persona4j-transport-grpc}. What server and client must agree on travels
 * in every instruction ({@link io.persona4j.federated.app.LoraClientSettings}).
 */
package io.persona4j.federated.app;
