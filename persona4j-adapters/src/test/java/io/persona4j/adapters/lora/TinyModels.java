/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.util.SplittableRandom;

/** Tiny random Llama models and helpers shared by the adapter tests (lora and moe packages). */
public final class TinyModels {
  /** Fixed token ids used by the model-level tests. */
  public static final long[] IDS = {1, 17, 42, 3, 59, 8, 23};

  private TinyModels() {}

  /** 2 layers, hidden 32, 4 query heads sharing 2 KV heads (head_dim 8), MLP 96, vocab 61. */
  public static LlamaConfig config() {
    return ModelInit.decoderConfig("llama", 2, 32, 4, 2, 61, 0, 64);
  }

  /** A model with {@link RandomWeights} (std 0.2, so logits are far from trivial). */
  public static LlamaModel llama(LlamaConfig config, long seed, NDManager m) throws IOException {
    return LlamaModel.load(
        config, WeightSource.ofFloats("random", RandomWeights.llama(config, seed, 0.2f)), m);
  }

  public static LlamaModel llama(NDManager m) throws IOException {
    return llama(config(), 7, m);
  }

  /** Logits {@code [T * V]} of {@link #IDS}. */
  public static float[] logits(LlamaModel model, NDManager m) {
    try (NDManager tmp = m.newSubManager()) {
      NDArray ids = tmp.create(IDS, new Shape(1, IDS.length));
      return model.logits(ids, null).toFloatArray();
    }
  }

  /**
   * Gives every unit of {@code adapter} random A (±0.3) and B (±0.3): a far-from-identity adapter.
   */
  public static void randomize(LoraModel lora, String adapter, long seed) {
    randomize(lora.units(adapter).values(), seed);
  }

  /** Gives every unit random A (±0.3) and B (±0.3), in iteration order. */
  public static void randomize(Iterable<LoraUnit> units, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (LoraUnit u : units) {
      try (NDManager tmp = u.a().getManager().newSubManager()) {
        u.assign(uniform(tmp, r, u.a().getShape()), uniform(tmp, r, u.b().getShape()));
      }
    }
  }

  public static NDArray uniform(NDManager m, SplittableRandom r, Shape shape) {
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (0.6 * r.nextDouble() - 0.3);
    }
    return m.create(v, shape);
  }

  /** max |a - b|. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(a.length + " vs " + b.length);
    }
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs((double) a[i] - b[i]));
    }
    return d;
  }

  /** max |a|. */
  public static double maxAbs(float[] a) {
    double d = 0;
    for (float v : a) {
      d = Math.max(d, Math.abs(v));
    }
    return d;
  }
}
