/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Sequential recommendation on interaction data: dataset loaders (MovieLens layouts and a generic
 * CSV layout), LLaRA-style splits and candidate sets, client partitioning for federated use,
 * popularity and SASRec baselines, LLM recommenders (LLaRA prompts, iLoRA) and their evaluation.
 */
package io.persona4j.rec;
