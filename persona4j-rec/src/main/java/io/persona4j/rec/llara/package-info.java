/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * LLaRA-style LLM recommendation (Liao et al., SIGIR 2024; the base of iLoRA): prompts listing a
 * user's history and candidate items by title ({@link io.persona4j.rec.llara.LlaraPrompt}), the
 * hybrid item representation that replaces a placeholder token's embedding by a projected item
 * vector ({@link io.persona4j.rec.llara.ItemProjector}, {@link
 * io.persona4j.rec.llara.HybridEmbedder}), the curriculum training objective for core's trainer
 * ({@link io.persona4j.rec.llara.LlaraObjective}), the generation and likelihood evaluation
 * protocols ({@link io.persona4j.rec.llara.GenerationEvaluator}, {@link
 * io.persona4j.rec.llara.LikelihoodRanker}) and the text corpus for pre-training a base model
 * ({@link io.persona4j.rec.llara.RecCorpus}).
 */
package io.persona4j.rec.llara;
