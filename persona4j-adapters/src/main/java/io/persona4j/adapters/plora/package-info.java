/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * PLoRA (Zhang et al., AAAI 2024): one shared LoRA on a frozen encoder conditioned on a small
 * learned vector per user, {@code h' = W0 x + s B(A drop(x) + P drop(p_u))}, with personalized
 * dropout, an optional mutual-information term, zero-shot serving of new users (no vector) and
 * few-shot enrolment (a new vector fitted alone).
 *
 * <ul>
 *   <li>{@link io.persona4j.adapters.plora.PLoraConfig}: r, alpha, dropout, targets, d_u, p_rate,
 *       mim;
 *   <li>{@link io.persona4j.adapters.plora.PLoraModel}: injection, user table, conditioning, merge
 *       (only {@code B A}; the user term is a per-user bias), save/load;
 *   <li>{@link io.persona4j.adapters.plora.PLoraObjective}: the training loss;
 *   <li>{@link io.persona4j.adapters.plora.FewShotEnrolment}: one new user's vector from K
 *       examples;
 *   <li>{@link io.persona4j.adapters.plora.PLoraFiles}, {@link
 *       io.persona4j.adapters.plora.UserVectorFile}: the adapter directory and a single user's
 *       entry.
 * </ul>
 */
package io.persona4j.adapters.plora;
