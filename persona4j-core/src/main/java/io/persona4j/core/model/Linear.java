/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.kernel.PackedMatrix;
import java.util.Objects;

/**
 * A linear layer {@code y = x W^T + b} with the Hugging Face weight layout {@code [out, in]}.
 *
 * <p>Not final: adapters (LoRA and friends) wrap a base layer and add their own term.
 */
public class Linear {
  private final String name;
  private final NDArray weight;
  private final NDArray bias;
  private volatile DecodeWeights decode; // null: PyTorch computes every call

  /** Reduced-precision weights for small-batch decoding, and the bias as floats. */
  private record DecodeWeights(PackedMatrix packed, float[] bias) {}

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
   * {@code x [..., in] -> [..., out]}; the result lives on {@code x}'s manager. With {@link
   * #useDecodeWeights decode weights} and at most {@link PackedMatrix#MAX_DECODE_ROWS} input rows
   * that need no gradient, the packed kernel computes it; otherwise PyTorch.
   */
  public NDArray forward(NDArray x) {
    DecodeWeights d = decode;
    if (d != null && x.getDataType() == DataType.FLOAT32 && !x.hasGradient()) {
      long rows = x.size() / d.packed().cols();
      if (rows >= 1 && rows <= PackedMatrix.MAX_DECODE_ROWS) {
        float[] y = d.packed().multiply(x.toFloatArray(), (int) rows, d.bias()); // [rows, out]
        long[] shape = x.getShape().getShape();
        shape[shape.length - 1] = d.packed().rows();
        return x.getManager().create(y, new Shape(shape)); // [..., out]
      }
    }
    return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
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
    synchronized (this) {
      if (decode != null) {
        throw new IllegalStateException(name + " already has decode weights");
      }
      decode = new DecodeWeights(packed, bias == null ? null : bias.toFloatArray());
    }
  }

  /** Whether small-batch calls run on packed reduced-precision weights. */
  public boolean hasDecodeWeights() {
    return decode != null;
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
