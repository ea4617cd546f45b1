/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.kernel.NativeFloats;
import java.nio.ByteBuffer;
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

  /**
   * Whether {@link #inPlace} may read {@code x}: a dense float32 PyTorch array on the CPU whose
   * elements are contiguous, on a JDK that can read native memory ({@link NativeFloats}). DJL
   * exposes no stride query, so this asks twice for a direct view: a contiguous array answers with
   * its own memory both times, any other with a new copy each time (two copies that stay on {@code
   * x}'s manager until it closes: call this once per array, at setup, not per step).
   */
  public static boolean readableInPlace(NDArray x) {
    if (!(x instanceof PtNDArray)
        || x.getDataType() != DataType.FLOAT32
        || !x.getDevice().equals(Device.cpu())
        || x.isSparse()
        || x.size() == 0) {
      return false;
    }
    if (!NativeFloats.AVAILABLE) {
      return false;
    }
    ByteBuffer first = x.toByteBuffer(true);
    ByteBuffer second = x.toByteBuffer(true);
    return first.isDirect()
        && second.isDirect()
        && first.capacity() == 4L * x.size()
        && NativeFloats.address(first) == NativeFloats.address(second);
  }

  /**
   * The memory of {@code x} itself, no copy: a direct buffer of native-order float32 values, valid
   * while {@code x} is open. Only for arrays that passed {@link #readableInPlace} (any other would
   * be copied). Asked anew on each use, so in-place writes of {@code x} are always seen.
   */
  public static ByteBuffer inPlace(NDArray x) {
    return x.toByteBuffer(true);
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
