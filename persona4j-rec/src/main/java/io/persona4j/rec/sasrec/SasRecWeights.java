/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.train.Autograd;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The named parameters of a SASRec network, on a manager of their own. Names and shapes ({@code N}
 * items, width {@code d}, {@code L = maxLen}, block {@code i}):
 *
 * <pre>
 * item_emb.weight              [N+1, d]  row 0 = padding, kept zero
 * pos_emb.weight               [L, d]    row L-1 = the most recent item
 * blocks.i.attn_norm.weight    [d]       LayerNorm before attention (and .bias)
 * blocks.i.attn.q.weight       [d, d]    [out, in], with blocks.i.attn.q.bias [d]; also k, v, out
 * blocks.i.ffn_norm.weight     [d]       LayerNorm before the feed-forward layer (and .bias)
 * blocks.i.ffn.fc1.weight      [d, d]    with .bias [d]; also fc2
 * last_norm.weight             [d]       final LayerNorm (and .bias)
 * </pre>
 *
 * Initialization (seeded, one random stream per tensor name): Xavier-normal for embeddings and
 * matrices, as the PyTorch port does, with row 0 of {@code item_emb} zero; LayerNorm weights 1,
 * biases 0.
 */
final class SasRecWeights implements AutoCloseable {
  private final NDManager manager;
  private final Map<String, NDArray> arrays;
  private final DataType dtype;

  private SasRecWeights(NDManager manager, Map<String, NDArray> arrays, DataType dtype) {
    this.manager = manager;
    this.arrays = Collections.unmodifiableMap(arrays);
    this.dtype = dtype;
  }

  /** Parameter names and shapes in the canonical (save) order. */
  static Map<String, long[]> shapes(SasRecConfig c) {
    long d = c.hiddenSize();
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put("item_emb.weight", new long[] {c.numItems() + 1L, d});
    s.put("pos_emb.weight", new long[] {c.maxLen(), d});
    for (int i = 0; i < c.numBlocks(); i++) {
      String b = "blocks." + i + ".";
      s.put(b + "attn_norm.weight", new long[] {d});
      s.put(b + "attn_norm.bias", new long[] {d});
      for (String p : new String[] {"q", "k", "v", "out"}) {
        s.put(b + "attn." + p + ".weight", new long[] {d, d});
        s.put(b + "attn." + p + ".bias", new long[] {d});
      }
      s.put(b + "ffn_norm.weight", new long[] {d});
      s.put(b + "ffn_norm.bias", new long[] {d});
      for (String p : new String[] {"fc1", "fc2"}) {
        s.put(b + "ffn." + p + ".weight", new long[] {d, d});
        s.put(b + "ffn." + p + ".bias", new long[] {d});
      }
    }
    s.put("last_norm.weight", new long[] {d});
    s.put("last_norm.bias", new long[] {d});
    return s;
  }

  /** Freshly initialised FLOAT32 weights (seed {@link SasRecConfig#seed()}). */
  static SasRecWeights init(SasRecConfig c) {
    return init(c, DataType.FLOAT32);
  }

  /** Freshly initialised weights of {@code dtype} (FLOAT64 is for gradient checks). */
  static SasRecWeights init(SasRecConfig c, DataType dtype) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(c).entrySet()) {
      values.put(e.getKey(), initialValues(c.seed(), e.getKey(), e.getValue()));
    }
    return of(c, values, dtype);
  }

  /** Weights holding {@code values} (every name of {@link #shapes}, sizes already checked). */
  static SasRecWeights of(SasRecConfig c, Map<String, float[]> values, DataType dtype) {
    NDManager m = TensorRuntime.newManager();
    try {
      Map<String, NDArray> arrays = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : shapes(c).entrySet()) {
        float[] v = values.get(e.getKey());
        if (v == null) {
          throw new IllegalArgumentException("no values for '" + e.getKey() + "'");
        }
        try (NDArray tmp = m.create(v, new Shape(e.getValue()))) {
          // duplicate/toType: memory owned by PyTorch, not a wrapped Java buffer
          NDArray a = dtype == DataType.FLOAT32 ? tmp.duplicate() : tmp.toType(dtype, true);
          a.setName(e.getKey());
          arrays.put(e.getKey(), a);
        }
      }
      return new SasRecWeights(m, arrays, dtype);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  static float[] initialValues(long seed, String name, long[] shape) {
    int n = 1;
    for (long s : shape) {
      n = Math.multiplyExact(n, Math.toIntExact(s));
    }
    float[] v = new float[n];
    if (name.endsWith("norm.weight")) {
      Arrays.fill(v, 1f);
      return v;
    }
    if (shape.length == 1) {
      return v; // biases
    }
    double std = Math.sqrt(2.0 / (shape[0] + shape[1]));
    SplittableRandom r = stream(seed, name);
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * std);
    }
    if (name.equals("item_emb.weight")) {
      Arrays.fill(v, 0, (int) shape[1], 0f);
    }
    return v;
  }

  /** A random stream that depends only on the seed and the tensor name. */
  static SplittableRandom stream(long seed, String name) {
    long h = mix(seed);
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = mix(h ^ b);
    }
    return new SplittableRandom(mix(h));
  }

  /** The SplitMix64 finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  NDArray get(String name) {
    NDArray a = arrays.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no SASRec weight '" + name + "'");
    }
    return a;
  }

  /** All weights in canonical order (the arrays themselves; in-place updates are seen). */
  Map<String, NDArray> asMap() {
    return arrays;
  }

  DataType dtype() {
    return dtype;
  }

  NDManager manager() {
    return manager;
  }

  /** Host copies of every weight, FLOAT32, in canonical order. */
  Map<String, float[]> snapshot() {
    Map<String, float[]> out = new LinkedHashMap<>();
    arrays.keySet().forEach(k -> out.put(k, snapshotOf(k)));
    return out;
  }

  /** A host copy of one weight as FLOAT32. */
  float[] snapshotOf(String name) {
    NDArray a = get(name);
    if (a.getDataType() == DataType.FLOAT32) {
      return a.toFloatArray();
    }
    double[] dv = a.toDoubleArray();
    float[] v = new float[dv.length];
    for (int i = 0; i < dv.length; i++) {
      v[i] = (float) dv[i];
    }
    return v;
  }

  /**
   * Copies {@code values} into the weights' own memory (every name of {@link #shapes}); arrays keep
   * their identity, so optimizers and callers holding them see the new values.
   */
  void copyFrom(Map<String, float[]> values) {
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager scope = manager.newSubManager()) {
      for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
        float[] v = values.get(e.getKey());
        NDArray a = e.getValue();
        if (v == null || v.length != a.size()) {
          throw new IllegalArgumentException(
              "values for '" + e.getKey() + "' are missing or have the wrong size");
        }
        NDArray src = SasRecNetwork.typed(scope.create(v, a.getShape()), dtype);
        a.set(new NDIndex("..."), src);
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
