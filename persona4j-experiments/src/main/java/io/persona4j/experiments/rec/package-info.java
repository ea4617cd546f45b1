/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * {@code persona4j rec experiment}: popularity, SASRec, LLaRA-LoRA and iLoRA on one data set with
 * one preset, every trained method once per seed, with the results table, JSON record and chart.
 * Built from {@code persona4j-rec}; not part of the recommendation library.
 */
package io.persona4j.experiments.rec;
