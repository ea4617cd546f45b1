/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Soft prompts (prompt tuning) on a frozen encoder, as SecFPP uses them: {@link
 * io.persona4j.adapters.prompt.SoftPrompt} holds {@code P = P_G + P_L}, {@link
 * io.persona4j.adapters.prompt.PromptClassifier} trains it with a classification head, {@link
 * io.persona4j.adapters.prompt.PromptTuningFiles} reads and writes PEFT's PROMPT_TUNING layout.
 */
package io.persona4j.adapters.prompt;
