/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Reading weights out of ONNX exports, without generated protobuf classes.
 *
 * <ul>
 *   <li>{@link io.persona4j.core.onnx.OnnxModel}: a validated view of a {@code .onnx} file's graph
 *       (initializers, nodes, inputs, outputs) with producer/consumer lookups.
 *   <li>{@link io.persona4j.core.onnx.BertOnnxImporter}: a BERT encoder export (e.g.
 *       all-MiniLM-L6-v2) as a {@link io.persona4j.core.model.WeightSource} under Hugging Face
 *       names, with the {@link io.persona4j.core.config.BertConfig} its graph implies.
 *   <li>{@link io.persona4j.core.onnx.BertOnnxConverter}: such an export to a Hugging Face model
 *       directory (config.json, model.safetensors, tokenizer.json).
 * </ul>
 *
 * Files are untrusted input: truncation, overruns and size mismatches fail with an {@link
 * java.io.IOException} naming the file and, where relevant, the tensor.
 */
package io.persona4j.core.onnx;
