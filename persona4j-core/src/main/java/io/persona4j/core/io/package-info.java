/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Reading and writing model weights in the safetensors format.
 *
 * <ul>
 *   <li>{@link io.persona4j.core.io.SafetensorsFile}: one memory-mapped, fully validated file.
 *   <li>{@link io.persona4j.core.io.Checkpoint}: a Hugging Face model directory, single-file or
 *       sharded with {@code model.safetensors.index.json}.
 *   <li>{@link io.persona4j.core.io.SafetensorsWriter}: atomic single-file and sharded writes of
 *       {@link io.persona4j.core.io.HostTensor}s.
 *   <li>{@link io.persona4j.core.io.HalfFloats}: F16 and BF16 conversions.
 * </ul>
 *
 * Files are untrusted input: every malformation is reported as a {@link
 * io.persona4j.core.io.ModelFormatException} naming the file and, where relevant, the tensor.
 */
package io.persona4j.core.io;
