/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Privacy as decorators around the federated engine: {@link
 * io.persona4j.federated.privacy.DpFedAvg} (client-level DP-FedAvg, a Strategy decorator) with the
 * client decorators {@link io.persona4j.federated.privacy.ClippingClient} and {@link
 * io.persona4j.federated.privacy.DistributedNoiseClient}, and secure aggregation as a Grid
 * decorator ({@link io.persona4j.federated.privacy.SecureAggregationGrid}, {@link
 * io.persona4j.federated.privacy.SecAggRound}) with the client decorator {@link
 * io.persona4j.federated.privacy.SecAggClientApp}. Sample-level DP-SGD for local training: {@link
 * io.persona4j.federated.privacy.DpSgdTrainer} (per-example clipping by {@link
 * io.persona4j.federated.privacy.PerExampleClipping}, Gaussian noise, {@link
 * io.persona4j.federated.privacy.DpSgdAccountant}).
 */
package io.persona4j.federated.privacy;
