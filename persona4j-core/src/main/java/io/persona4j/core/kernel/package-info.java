/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Small-batch decode kernels on reduced-precision weights: the one place Persona4j computes a
 * matrix product itself, because PyTorch through DJL 0.35.1 offers no weight-only int8 GEMV and
 * cannot hold a BF16 tensor at all (creating one aborts the JVM in DJL's JNI dtype mapping, see
 * {@code Bf16AbortIsolationTest}).
 *
 * <p>Bounded: {@link io.persona4j.core.kernel.WeightPrecision} (what a model is loaded with),
 * {@link io.persona4j.core.kernel.PackedMatrix} (packing, views, dequantization, {@code y = x W^T})
 * and the package-private Vector API dot products. Everything else (prefill, training, attention,
 * norms) stays on PyTorch; tests compare this package against the F32 PyTorch path.
 */
package io.persona4j.core.kernel;
