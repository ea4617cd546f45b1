/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * SecFPP on the federated engine: {@link io.persona4j.federated.secfpp.SecFppClientApp} (prompt
 * tuning of P_G + P_L and a head on a frozen encoder; P_L and the head never leave the client),
 * secure adaptive clustering of the clients' domain prompts over a grid ({@link
 * io.persona4j.federated.secfpp.GridClusterAggregator} with {@link
 * io.persona4j.privacy.cluster.SecureKMeans}), and per-cluster secure aggregation of P_G ({@link
 * io.persona4j.federated.secfpp.SecFppStrategy} over {@link
 * io.persona4j.federated.secfpp.ClusteredSecureAggregationGrid}).
 */
package io.persona4j.federated.secfpp;
