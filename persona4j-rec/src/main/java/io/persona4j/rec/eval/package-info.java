/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Recommendation metrics: full ranking ({@link io.persona4j.rec.eval.FullRanking}, {@link
 * io.persona4j.rec.eval.RankingMetrics}: HitRate@k, NDCG@k) and the candidate protocol ({@link
 * io.persona4j.rec.eval.CandidateMetrics}: HitRatio@1, ValidRatio).
 */
package io.persona4j.rec.eval;
