/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Small-batch decode kernels: the one place Persona4j computes matrix products itself. PyTorch
 * through DJL 0.35.1 offers no weight-only int8 GEMV and cannot hold a BF16 tensor at all (creating
 * one aborts the JVM in DJL's JNI dtype mapping, see {@code Bf16AbortIsolationTest}); and on F32
 * weights a batch-1 decode step through DJL costs ~590 PyTorch ops, 85 of them for the projections,
 * whose per-op JNI cost and statically partitioned OpenMP regions kept it at 0.3-0.7x Jlama on this
 * machine (docs/BENCHMARKS.md). So steps of at most 8 rows run here, on PyTorch's own F32 memory
 * (no copy) or on weights packed once at load time.
 *
 * <p>Bounded: {@link io.persona4j.core.kernel.WeightPrecision} (what a model is loaded with),
 * {@link io.persona4j.core.kernel.PackedMatrix} (packing, F32 views, dequantization, {@code y = x
 * W^T}), {@link io.persona4j.core.kernel.LowRankDelta} (an unmerged LoRA term inside the same
 * call), {@link io.persona4j.core.kernel.RowOps} (RMS norm, RoPE, SwiGLU, residual adds), {@link
 * io.persona4j.core.kernel.CachedAttention} (one decode position of attention over a KV cache read
 * and written in place, so that a whole decode step needs no PyTorch op), {@link
 * io.persona4j.core.kernel.NativeFloats} (Vector API loads from native memory, JDK >= 22), {@link
 * io.persona4j.core.kernel.KernelTimer} (profiling) and the package-private Vector API dot
 * products. Prefill, training and batches of more than 8 rows stay on PyTorch (attention and KV
 * cache included); tests compare this package against naive loops and the PyTorch path.
 */
package io.persona4j.core.kernel;
