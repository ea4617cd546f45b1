/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Interaction data for sequential recommendation.
 *
 * <ul>
 *   <li>{@link io.persona4j.rec.data.InteractionDataset#load(java.nio.file.Path)} detects a {@link
 *       io.persona4j.rec.data.DatasetLayout} (MovieLens ml-latest-small, ml-1m, ml-100k, generic
 *       CSV), validates the files (errors name file, line, column and value), drops unusable rows
 *       (counted in a {@link io.persona4j.rec.data.DatasetSummary}) and indexes users {@code
 *       0..U-1} and items {@code 1..N} (0 = padding) with chronological sequences.
 *   <li>{@link io.persona4j.rec.data.SequentialSplit}: LLaRA's leave-one-out split into {@link
 *       io.persona4j.rec.data.SeqExample}s; {@link io.persona4j.rec.data.CandidateSampler}: seeded
 *       20-item candidate sets.
 *   <li>{@link io.persona4j.rec.data.ClientPartitioner}: users to federated clients (one per user,
 *       K-means on embeddings, Dirichlet label skew).
 * </ul>
 */
package io.persona4j.rec.data;
