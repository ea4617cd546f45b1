/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.kernel.KernelTimer;
import io.persona4j.core.kernel.LowRankDelta;
import io.persona4j.core.kernel.PackedMatrix;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * A linear layer {@code y = x W^T + b} with the Hugging Face weight layout {@code [out, in]}.
 *
 * <p>Not final: adapters (LoRA and friends) wrap a base layer and add their own term.
 */
public class Linear {
  private static final boolean VECTOR_API =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private final String name;
  private final NDArray weight;
  private final NDArray bias;
  private volatile DecodeWeights decode; // null: PyTorch computes every call

  /**
   * What the small-batch decode kernel computes with: packed reduced-precision weights and the bias
   * as floats, or (packed null) the F32 weight and bias read in place from PyTorch's memory.
   */
  private record DecodeWeights(PackedMatrix packed, float[] bias) {}

  /** A low-rank term the decode kernel adds to the output columns from {@code column} on. */
  public record ColumnTerm(int column, LowRankDelta term) {}

  /**
   * @param name module path as in the checkpoint, e.g. {@code model.layers.0.self_attn.q_proj}
   * @param weight {@code [out, in]}
   * @param bias {@code [out]} or null
   */
  public Linear(String name, NDArray weight, NDArray bias) {
    this.name = Objects.requireNonNull(name, "name");
    this.weight = Objects.requireNonNull(weight, "weight");
    this.bias = bias;
  }

  /**
   * {@code x [..., in] -> [..., out]}; the result lives on {@code x}'s manager. When the decode
   * kernel {@link #kernelApplies applies}, it computes the result; otherwise PyTorch.
   */
  public NDArray forward(NDArray x) {
    if (kernelApplies(x)) {
      return forwardKernel(x, List.of());
    }
    return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
  }

  /**
   * Whether {@link #forwardKernel} may compute {@code x}: this layer has {@link #useDecodeWeights
   * packed} or {@link #useDecodeKernelInPlace in-place F32} decode weights, {@code x} is float32
   * with at most {@link PackedMatrix#MAX_DECODE_ROWS} rows, and neither {@code x} nor the weight
   * needs a gradient (training and prefill stay on PyTorch).
   */
  public boolean kernelApplies(NDArray x) {
    DecodeWeights d = decode;
    if (d == null || x.getDataType() != DataType.FLOAT32) {
      return false;
    }
    long rows = x.size() / inFeatures();
    return rows >= 1
        && rows <= PackedMatrix.MAX_DECODE_ROWS
        && !x.hasGradient()
        && (d.packed() != null || !weight.hasGradient());
  }

  /**
   * The decode kernel's {@code x W^T + b + sum of terms} for {@code x [..., in]} ({@code [...,
   * out]} on {@code x}'s manager): one copy of {@code x} into the JVM, one array creation, no other
   * PyTorch op, whatever the number of terms.
   *
   * @throws IllegalStateException if the kernel does not {@link #kernelApplies apply} to {@code x}
   */
  public NDArray forwardKernel(NDArray x, List<ColumnTerm> terms) {
    if (!kernelApplies(x)) {
      throw new IllegalStateException(name + ": the decode kernel does not apply to " + x);
    }
    long t0 = KernelTimer.enabled() ? System.nanoTime() : 0;
    int rows = (int) (x.size() / inFeatures());
    float[] y = kernelMultiply(x.toFloatArray(), rows, terms); // [rows, out]
    long[] shape = x.getShape().getShape().clone(); // (DJL hands out x's own shape array)
    shape[shape.length - 1] = outFeatures();
    NDArray out = x.getManager().create(y, new Shape(shape)); // [..., out]
    if (t0 != 0) {
      KernelTimer.add(System.nanoTime() - t0);
    }
    return out;
  }

  /**
   * Whether {@link #kernelMultiply} may run: decode weights are set, and the weight needs no
   * gradient.
   */
  public boolean kernelReady() {
    DecodeWeights d = decode;
    return d != null && (d.packed() != null || !weight.hasGradient());
  }

  /**
   * The decode kernel on rows already in the JVM: {@code in [rows, in] W^T + b + sum of terms},
   * {@code [rows, out]}, for at most {@link PackedMatrix#MAX_DECODE_ROWS} rows (the caller checks
   * {@link #kernelReady}).
   */
  public float[] kernelMultiply(float[] in, int rows, List<ColumnTerm> terms) {
    DecodeWeights d = decode;
    if (d == null || rows < 1 || rows > PackedMatrix.MAX_DECODE_ROWS) {
      throw new IllegalStateException(name + ": no decode kernel for " + rows + " rows");
    }
    PackedMatrix w;
    float[] b;
    if (d.packed() != null) {
      w = d.packed();
      b = d.bias();
    } else { // F32 read in place, anew on every call: in-place edits (merges) are always seen
      w = PackedMatrix.f32View(TorchOps.inPlace(weight), (int) outFeatures(), (int) inFeatures());
      b = bias == null ? null : new float[(int) outFeatures()];
      if (b != null) {
        TorchOps.inPlace(bias).order(ByteOrder.nativeOrder()).asFloatBuffer().get(0, b);
      }
    }
    float[] y = w.multiply(in, rows, b); // [rows, out]
    for (ColumnTerm t : terms) {
      t.term().addTo(in, rows, y, w.rows(), t.column());
    }
    return y;
  }

  /**
   * From now on, small-batch calls of {@link #forward} use {@code packed}, which must hold this
   * layer's weight as rounded by its precision; the caller writes the same rounded values into
   * {@link #weight()} (in place), so that PyTorch (prefill, training) computes with the same
   * weights. Changing {@link #weight()} afterwards (e.g. merging an adapter) is not allowed: check
   * {@link #hasDecodeWeights()}.
   *
   * @throws IllegalArgumentException if the shapes differ
   * @throws IllegalStateException if this layer already has decode weights
   */
  public void useDecodeWeights(PackedMatrix packed) {
    if (packed.rows() != outFeatures() || packed.cols() != inFeatures()) {
      throw new IllegalArgumentException(
          name
              + ": packed weights ["
              + packed.rows()
              + ", "
              + packed.cols()
              + "] do not match "
              + weight.getShape());
    }
    setDecode(new DecodeWeights(packed, bias == null ? null : bias.toFloatArray()));
  }

  /**
   * From now on, small-batch calls of {@link #forward} run the decode kernel on the F32 weight (and
   * bias) read in place from PyTorch's memory: no copy, and in-place changes of the weight (merging
   * an adapter, a training step) are seen by the next call. Does nothing and returns false when the
   * JVM lacks the Vector API ({@code --add-modules jdk.incubator.vector}) or the weight or bias is
   * not a contiguous float32 CPU array.
   *
   * @throws IllegalStateException if this layer already has decode weights
   */
  public boolean useDecodeKernelInPlace() {
    if (!VECTOR_API
        || !PackedMatrix.f32ViewSupported()
        || !TorchOps.readableInPlace(weight)
        || (bias != null && !TorchOps.readableInPlace(bias))) {
      return false;
    }
    setDecode(new DecodeWeights(null, null));
    return true;
  }

  private synchronized void setDecode(DecodeWeights d) {
    if (decode != null) {
      throw new IllegalStateException(name + " already has decode weights");
    }
    decode = d;
  }

  /** Whether small-batch calls run on the decode kernel (packed or in-place F32 weights). */
  public boolean usesDecodeKernel() {
    return decode != null;
  }

  /** Whether small-batch calls run on packed reduced-precision weights (a copy of the weight). */
  public boolean hasDecodeWeights() {
    DecodeWeights d = decode;
    return d != null && d.packed() != null;
  }

  public String name() {
    return name;
  }

  /** {@code [out, in]}. */
  public NDArray weight() {
    return weight;
  }

  /** {@code [out]} or null. */
  public NDArray bias() {
    return bias;
  }

  public long inFeatures() {
    return weight.getShape().get(1);
  }

  public long outFeatures() {
    return weight.getShape().get(0);
  }

  /**
   * Returns {@code replacement} if it may take this layer's place (adapter injection): the same
   * input and output sizes.
   *
   * @throws IllegalArgumentException naming this layer if the shapes differ
   */
  public Linear requireSameShape(Linear replacement) {
    if (replacement.inFeatures() != inFeatures() || replacement.outFeatures() != outFeatures()) {
      throw new IllegalArgumentException("replacement for " + name + " changes its shape");
    }
    return replacement;
  }
}
