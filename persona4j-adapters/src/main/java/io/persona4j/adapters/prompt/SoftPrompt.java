/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.train.Autograd;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SecFPP's hierarchical soft prompt {@code P = P_G + P_L}, both {@code [n_virtual, H]}: the global
 * (domain-level) part P_G is shared within a cluster of clients, the local (class/user-level) part
 * P_L never leaves the client. {@link #prepend} puts the {@code n_virtual} rows of P in front of a
 * batch's word embeddings, for {@code BertModel.forwardEmbeddings}.
 *
 * <p>Both parts live on a sub-manager of the manager given at creation, freed by {@link #close()};
 * updates copy values in place ({@link #setGlobal}), so an optimizer holding the arrays keeps
 * working.
 */
public final class SoftPrompt implements AutoCloseable {
  /** Parameter name of P_G. */
  public static final String GLOBAL = "prompt_global";

  /** Parameter name of P_L. */
  public static final String LOCAL = "prompt_local";

  private final SoftPromptConfig config;
  private final NDManager manager;
  private final NDArray global;
  private final NDArray local;

  private SoftPrompt(SoftPromptConfig config, NDManager manager, float[] g, float[] l) {
    this.config = config;
    this.manager = manager;
    Shape s = new Shape(config.numVirtualTokens(), config.tokenDim());
    this.global = manager.create(g, s);
    this.local = manager.create(l, s);
  }

  /**
   * A new prompt: P_G initialized by {@code config.init()} from {@code seed}, P_L zero.
   *
   * @param parent the prompt's arrays live on a sub-manager of it
   */
  public static SoftPrompt create(SoftPromptConfig config, long seed, NDManager parent) {
    float[] g = new float[config.size()];
    if (config.init() == SoftPromptConfig.Init.RANDOM) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 0; i < g.length; i++) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        g[i] =
            (float) (config.initStd() * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
      }
    }
    return new SoftPrompt(config, parent.newSubManager(), g, new float[config.size()]);
  }

  /**
   * A prompt with given parts (row-major {@code [n_virtual, H]} each).
   *
   * @throws IllegalArgumentException naming the part if a length is wrong or a value non-finite
   */
  public static SoftPrompt of(
      SoftPromptConfig config, float[] global, float[] local, NDManager parent) {
    check(config, GLOBAL, global);
    check(config, LOCAL, local);
    return new SoftPrompt(config, parent.newSubManager(), global.clone(), local.clone());
  }

  private static void check(SoftPromptConfig config, String what, float[] v) {
    if (v.length != config.size()) {
      throw new IllegalArgumentException(
          what
              + " has "
              + v.length
              + " values, expected numVirtualTokens * tokenDim = "
              + config.size());
    }
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(what + "[" + i + "] = " + v[i] + " is not finite");
      }
    }
  }

  public SoftPromptConfig config() {
    return config;
  }

  /** The P_G array (trainable in place). */
  public NDArray global() {
    return global;
  }

  /** The P_L array (trainable in place). */
  public NDArray local() {
    return local;
  }

  /** Both parts by name ({@link #GLOBAL}, {@link #LOCAL}), e.g. to train. */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> p = new LinkedHashMap<>();
    p.put(GLOBAL, global);
    p.put(LOCAL, local);
    return p;
  }

  /** A copy of P_G's values, row-major. */
  public float[] globalValues() {
    return global.toFloatArray();
  }

  /** A copy of P_L's values, row-major. */
  public float[] localValues() {
    return local.toFloatArray();
  }

  /** The values of {@code P = P_G + P_L}, row-major (what PEFT's prompt_embeddings holds). */
  public float[] combinedValues() {
    float[] g = globalValues();
    float[] l = localValues();
    for (int i = 0; i < g.length; i++) {
      g[i] += l[i];
    }
    return g;
  }

  /** Overwrites P_G's values in place (e.g. with a cluster's aggregate). */
  public void setGlobal(float[] values) {
    check(config, GLOBAL, values);
    copyInto(global, values);
  }

  /** Overwrites P_L's values in place. */
  public void setLocal(float[] values) {
    check(config, LOCAL, values);
    copyInto(local, values);
  }

  private void copyInto(NDArray target, float[] values) {
    if (values.length == 0) {
      return;
    }
    try (NDManager scope = manager.newSubManager();
        Autograd.NoGrad off = Autograd.noGrad()) {
      NDArray src = scope.create(values, target.getShape());
      // In-place copy: keeps the array's identity (and any optimizer state referring to it).
      target.set(new NDIndex(":"), src);
    }
  }

  /**
   * A batch with the prompt in front: {@code [B, n + T, H]} embeddings whose first {@code n} rows
   * are {@code P_G + P_L} for every sequence, and a {@code [B, n + T]} mask whose first {@code n}
   * entries are 1. With {@code n = 0} the inputs come back unchanged. Recorded for autograd when
   * called under a gradient collector (gradients reach P_G and P_L).
   *
   * @param wordEmbeddings {@code [B, T, H]} float32
   * @param attentionMask {@code [B, T]}, 1 for real tokens
   */
  public Prepended prepend(NDArray wordEmbeddings, NDArray attentionMask) {
    Shape s = wordEmbeddings.getShape();
    if (s.dimension() != 3 || s.get(2) != config.tokenDim()) {
      throw new IllegalArgumentException(
          "wordEmbeddings must be [B, T, " + config.tokenDim() + "], got " + s);
    }
    if (!attentionMask.getShape().equals(s.slice(0, 2))) {
      throw new IllegalArgumentException(
          "attentionMask has shape " + attentionMask.getShape() + ", expected " + s.slice(0, 2));
    }
    int n = config.numVirtualTokens();
    if (n == 0) {
      return new Prepended(wordEmbeddings, attentionMask);
    }
    long b = s.get(0);
    NDManager m = wordEmbeddings.getManager();
    NDArray p = global.add(local); // [n,H]
    p.attach(m);
    NDArray rows = p.expandDims(0).broadcast(new Shape(b, n, config.tokenDim())); // [B,n,H]
    NDArray emb = NDArrays.concat(new NDList(rows, wordEmbeddings), 1); // [B,n+T,H]
    NDArray ones = m.ones(new Shape(b, n), attentionMask.getDataType()); // [B,n]
    NDArray mask = NDArrays.concat(new NDList(ones, attentionMask), 1); // [B,n+T]
    return new Prepended(emb, mask.toType(DataType.INT64, false));
  }

  /**
   * Embeddings and mask with the prompt rows in front.
   *
   * @param embeddings {@code [B, n + T, H]}
   * @param attentionMask {@code [B, n + T]}
   */
  public record Prepended(NDArray embeddings, NDArray attentionMask) {}

  @Override
  public void close() {
    manager.close();
  }
}
