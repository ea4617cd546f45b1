/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Secure adaptive clustering (SecFPP's SecPC, in the style of federated k-means with secure
 * aggregation): clients reduce their vectors with a shared {@link
 * io.persona4j.privacy.cluster.RandomProjection}, compute distances to public centres locally
 * ({@link io.persona4j.privacy.cluster.ClusterClient}), and the server ({@link
 * io.persona4j.privacy.cluster.SecureKMeans}) learns only securely aggregated per-cluster counts
 * and sums ({@link io.persona4j.privacy.cluster.SecureAggregator}).
 */
package io.persona4j.privacy.cluster;
