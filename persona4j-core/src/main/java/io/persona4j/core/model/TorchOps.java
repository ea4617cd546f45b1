/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;

/**
 * Hot-path tensor operations as one PyTorch call each.
 *
 * <p>DJL's generic forms of these cost several native calls and some Java parsing: {@code
 * get(NDIndex)} builds a PyTorch index in 4+ JNI calls, {@code set(NDIndex, x)} reshapes and
 * broadcasts first, {@code add(Number)} creates a scalar tensor each time. At batch-1 decoding,
 * where a step is hundreds of small ops, that overhead is a large share of the step. Arrays of
 * another engine fall back to the generic API.
 */
public final class TorchOps {
  private TorchOps() {}

  /** {@code x[..., start:end, ...]} along {@code axis}, a view. */
  public static NDArray slice(NDArray x, int axis, long start, long end) {
    int a = axis < 0 ? axis + x.getShape().dimension() : axis;
    if (x instanceof PtNDArray p) {
      return JniUtils.slice(p, a, start, end, 1);
    }
    return x.get(index(x, a, start, end));
  }

  /** Splits {@code x} along {@code axis} into consecutive parts of the given sizes (views). */
  public static NDList split(NDArray x, int axis, long... sizes) {
    int a = axis < 0 ? axis + x.getShape().dimension() : axis;
    if (x instanceof PtNDArray p) {
      return JniUtils.split(p, sizes, a);
    }
    NDList out = new NDList(sizes.length);
    long start = 0;
    for (long s : sizes) {
      out.add(slice(x, a, start, start + s));
      start += s;
    }
    return out;
  }

  /** Copies {@code value} into {@code target[..., start:end, ...]} along {@code axis}, in place. */
  public static void assign(NDArray target, int axis, long start, long end, NDArray value) {
    int a = axis < 0 ? axis + target.getShape().dimension() : axis;
    if (target instanceof PtNDArray t && value instanceof PtNDArray v) {
      long[] shape = target.getShape().getShape();
      long[] min = new long[shape.length];
      long[] max = shape.clone();
      long[] step = new long[shape.length];
      Arrays.fill(step, 1);
      min[a] = start;
      max[a] = end;
      JniUtils.indexSet(t, v, min, max, step);
      return;
    }
    target.set(index(target, a, start, end), value);
  }

  /** Rows of {@code table [N, ...]} at int64 {@code ids [...]}: {@code [..., ...]}. */
  public static NDArray rows(NDArray table, NDArray ids) {
    if (table instanceof PtNDArray t && ids instanceof PtNDArray i) {
      return JniUtils.embedding(i, t, false);
    }
    return table.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /** Concatenates along {@code axis} into a new contiguous array. */
  public static NDArray concat(int axis, NDArray... parts) {
    return NDArrays.concat(new NDList(parts), axis);
  }

  private static NDIndex index(NDArray x, int axis, long start, long end) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < axis; i++) {
      s.append(":, ");
    }
    s.append(start).append(':').append(end);
    return new NDIndex(s.toString());
  }
}
