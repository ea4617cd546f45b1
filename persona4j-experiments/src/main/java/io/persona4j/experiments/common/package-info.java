/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * What the recommendation experiments ({@code rec} and {@code fellrec}) share: the data preparation
 * ({@link io.persona4j.experiments.common.PreparedData}, selected by a {@link
 * io.persona4j.experiments.common.DataSelection}), the base model's preset and pre-training ({@link
 * io.persona4j.experiments.common.BaseModelPreset}, {@link
 * io.persona4j.experiments.common.BaseModels}, {@link
 * io.persona4j.experiments.common.FinetunePreset} (the LoRA training of both), {@link
 * io.persona4j.experiments.common.HistoryCorpus}), the SASRec they train and preset lookup.
 */
package io.persona4j.experiments.common;
