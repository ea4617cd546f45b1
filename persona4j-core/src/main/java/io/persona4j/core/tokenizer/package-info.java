/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Tokenizers: {@link io.persona4j.core.tokenizer.Tokenizer} loads any Hugging Face {@code
 * tokenizer.json} (natively, through DJL, offline) and streams generated text with {@link
 * io.persona4j.core.tokenizer.StreamingDecoder}; {@link
 * io.persona4j.core.tokenizer.TokenizerJsonWriter} writes byte-level BPE and WordPiece {@code
 * tokenizer.json} files for tiny generated models, trained on {@link
 * io.persona4j.core.tokenizer.DefaultCorpus} by default.
 */
package io.persona4j.core.tokenizer;
