/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * SASRec (Kang and McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018) on DJL with
 * PyTorch autograd: the frozen sequence encoder whose item embeddings and last hidden state LLaRA
 * and iLoRA consume.
 *
 * <ul>
 *   <li>{@link io.persona4j.rec.sasrec.SasRecConfig}: hyper-parameters (validated), stored as
 *       {@code sasrec_config.json} by {@link io.persona4j.rec.sasrec.SasRecConfigFile} with a
 *       {@code format_version}.
 *   <li>{@link io.persona4j.rec.sasrec.SasRecModel}: item embeddings, sequence representations,
 *       full-ranking scores and top-k; save/load of {@code model.safetensors} + config.
 *   <li>{@link io.persona4j.rec.sasrec.SasRecTrainer}: BCE with one sampled negative per position,
 *       Adam, seeded dropout, early stopping on full-ranking validation NDCG@10.
 * </ul>
 *
 * <p>Block layout: by default the reference code's (query = LN(x), key/value = x, residual from
 * LN(x), feed-forward residual from its normalized input); {@code norm_first} selects the paper's
 * eq. 4 (pre-LN on both sub-layers, residual from x). Padded keys are masked as in the TensorFlow
 * code and positions are right-aligned, so a history's outputs do not depend on the padding of the
 * batch it is in. Attention keeps the PyTorch port's output projection and biases. Items are {@code
 * 1..numItems}; 0 is padding.
 */
package io.persona4j.rec.sasrec;
