/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Arrays;
import java.util.Objects;

/**
 * Input embeddings of hybrid LLaRA prompts: the decoder's token embeddings, with the rows at
 * placeholder positions replaced by {@code Proj(itemVectors[item])}.
 *
 * <p>The replacement is one differentiable formulation, no per-element loop over arrays: with
 * {@code keep[b*T + t]} 0 at placeholders and 1 elsewhere, and {@code slot[b*T + t]} the 1-based
 * index of the placeholder's projected row (0 elsewhere), the result is {@code embed(ids) * keep +
 * rows([0; Proj(v)], slot)}. Gradients reach the projector through the row lookup (and the token
 * embedding through the mask, where it is trained); non-placeholder rows are exactly {@code
 * embed(ids)}.
 */
public final class HybridEmbedder {
  private final LlamaModel model;
  private final ItemProjector projector;
  private final float[][] itemVectors;

  /**
   * @param itemVectors {@code [N + 1][e]} item vectors (row 0 unused), e = {@link
   *     ItemProjector#inFeatures()}; frozen (not copied: do not change them while in use)
   */
  public HybridEmbedder(LlamaModel model, ItemProjector projector, float[][] itemVectors) {
    this.model = Objects.requireNonNull(model, "model");
    this.projector = Objects.requireNonNull(projector, "projector");
    this.itemVectors = Objects.requireNonNull(itemVectors, "itemVectors");
    if (projector.outFeatures() != model.config().hiddenSize()) {
      throw new IllegalArgumentException(
          "projector output "
              + projector.outFeatures()
              + " != model hidden size "
              + model.config().hiddenSize());
    }
    if (itemVectors.length < 2) {
      throw new IllegalArgumentException("itemVectors must hold rows 0..N with N >= 1");
    }
    for (int i = 1; i < itemVectors.length; i++) {
      if (itemVectors[i] == null || itemVectors[i].length != projector.inFeatures()) {
        throw new IllegalArgumentException(
            "item vector "
                + i
                + " has "
                + (itemVectors[i] == null ? "no values" : itemVectors[i].length + " values")
                + ", the projector takes "
                + projector.inFeatures());
      }
    }
  }

  public ItemProjector projector() {
    return projector;
  }

  /** Number of items N the vectors cover. */
  public int itemCount() {
    return itemVectors.length - 1;
  }

  /**
   * Hybrid input embeddings.
   *
   * @param ids {@code [B, T]} token ids
   * @param flatPositions placeholder positions as {@code b * T + t}, distinct
   * @param items the item each placeholder stands for, in {@code 1..N}
   * @return {@code [B, T, H]} on {@code ids}' manager
   */
  public NDArray embed(NDArray ids, int[] flatPositions, int[] items) {
    if (flatPositions.length != items.length) {
      throw new IllegalArgumentException(
          flatPositions.length + " placeholder positions for " + items.length + " items");
    }
    NDArray tokens = model.embed(ids); // [B, T, H]
    if (items.length == 0) {
      return tokens;
    }
    NDManager m = ids.getManager();
    Shape shape = tokens.getShape();
    int bt = (int) (shape.get(0) * shape.get(1));
    long h = shape.get(2);
    int e = projector.inFeatures();
    float[] vectors = new float[items.length * e];
    long[] slot = new long[bt];
    float[] keep = new float[bt];
    Arrays.fill(keep, 1f);
    for (int j = 0; j < items.length; j++) {
      int item = items[j];
      if (item < 1 || item >= itemVectors.length) {
        throw new IllegalArgumentException(
            "item " + item + " has no vector (items 1.." + itemCount() + ")");
      }
      int p = flatPositions[j];
      if (p < 0 || p >= bt || slot[p] != 0) {
        throw new IllegalArgumentException(
            "placeholder position " + p + " is outside [0, " + bt + ") or repeated");
      }
      System.arraycopy(itemVectors[item], 0, vectors, j * e, e);
      slot[p] = j + 1;
      keep[p] = 0f;
    }
    NDArray projected = projector.forward(m.create(vectors, new Shape(items.length, e))); // [M, H]
    NDArray table =
        NDArrays.concat(new NDList(m.zeros(new Shape(1, h)), projected), 0); // [M + 1, H]
    NDArray rows = JniUtils.embedding((PtNDArray) m.create(slot), (PtNDArray) table, false);
    NDArray kept = tokens.reshape(bt, h).mul(m.create(keep, new Shape(bt, 1))); // [BT, H]
    return kept.add(rows).reshape(shape); // [B, T, H]
  }
}
