/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.persona4j.core.kernel.CachedAttention;
import io.persona4j.core.kernel.KernelTimer;
import io.persona4j.core.kernel.PackedMatrix;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A decoder's small-batch decode step wholly in the JVM: the embeddings in, every block on the
 * kernel ({@link LayerKernel#step}) with attention over the KV cache read and written in place, the
 * final norm, one array out. {@link LlamaModel#hidden} tries it for every step through a cache once
 * the model has decode weights, and runs PyTorch when it declines.
 */
final class KernelStep {
  private final List<LlamaLayer> layers;
  private final RmsNorm finalNorm;
  private final Rope rope;
  private final AtomicLong count = new AtomicLong();
  private static final boolean VECTOR_API =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  KernelStep(List<LlamaLayer> layers, RmsNorm finalNorm, Rope rope) {
    this.layers = layers;
    this.finalNorm = finalNorm;
    this.rope = rope;
  }

  /** Steps run so far. */
  long count() {
    return count.get();
  }

  /**
   * A decode step of at most {@link PackedMatrix#MAX_DECODE_ROWS} rows, one new position each,
   * through a cache that lends its memory ({@link DecoderCache#inPlace}: {@link KvCache}, the
   * continuous-batching slot cache), entirely in the JVM ({@link LayerKernel#step}): one copy of
   * the embeddings (and of the mask) in, every block with attention over the cache read and written
   * in place, the final norm, one array out. No PyTorch op between; the LM head follows on the
   * kernel too. Null, before any side effect, when some block cannot run there (no kernel weights,
   * trainable parts, per-row or gated adapters, JDK 21): then PyTorch runs the step.
   *
   * @return final-norm hidden states {@code [B, 1, H]}, or null
   */
  NDArray run(NDArray embeds, NDArray positions, NDArray mask, DecoderCache cache) {
    long rows = embeds.getShape().get(0);
    // Nothing below may load a Vector API class on a JVM without the module (library users,
    // test JVMs): the module check and the plans (no decode weights: null) come first.
    if (!VECTOR_API
        || embeds.getShape().dimension() != 3
        || embeds.getShape().get(1) != 1
        || rows > PackedMatrix.MAX_DECODE_ROWS
        || embeds.getDataType() != DataType.FLOAT32
        || embeds.hasGradient()) {
      return null;
    }
    List<LayerKernel.Plan> plans = new ArrayList<>(layers.size());
    for (LlamaLayer layer : layers) {
      LayerKernel.Plan p = layer.kernel().plan();
      if (p == null) {
        return null;
      }
      plans.add(p);
    }
    if (!CachedAttention.supported() || !finalNorm.inJvm()) {
      return null;
    }
    DecoderCache.InPlace kv = cache.inPlace((int) rows);
    if (kv == null || (mask != null && mask.size() != rows * kv.span())) {
      return null;
    }
    float[][] cs = rope.inJvm(positions.toType(DataType.INT64, false).toLongArray());
    if (cs == null) {
      return null;
    }
    long t0 = KernelTimer.enabled() ? System.nanoTime() : 0;
    int n = (int) rows;
    float[] m = mask == null ? null : mask.toFloatArray(); // [B, 1, 1, span] -> [B, span]
    float[] x = embeds.toFloatArray(); // [B, H]
    for (int i = 0; i < layers.size(); i++) {
      LayerKernel k = layers.get(i).kernel();
      ByteBuffer[] b = kv.buffers();
      x = k.step(plans.get(i), x, n, cs[0], cs[1], m, b[2 * i], b[2 * i + 1], kv);
    }
    NDArray out = embeds.getManager().create(finalNorm.forward(x, n), embeds.getShape()); // [B,1,H]
    count.incrementAndGet();
    if (t0 != 0) {
      KernelTimer.add(System.nanoTime() - t0);
    }
    return out;
  }
}
