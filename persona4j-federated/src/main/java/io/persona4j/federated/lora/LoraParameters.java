/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.train.Autograd;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Conversion between a LoRA adapter's live tensors and a {@link ParameterSet}.
 *
 * <p>The set holds the adapter's tensors under their saved PEFT keys ({@code
 * base_model.model.<path>.lora_A.weight}, no adapter name, see {@link LoraModel#adapterTensors}),
 * in model order, as float32 with the arrays' shapes. {@link #load} copies values into the existing
 * arrays in place (their native memory and gradient attachment are kept), after checking every name
 * and shape.
 */
public final class LoraParameters {

  private LoraParameters() {}

  /** A copy of adapter {@code adapter}'s A and B tensors as a parameter set. */
  public static ParameterSet read(LoraModel lora, String adapter) {
    ParameterSet.Builder b = ParameterSet.builder();
    for (Map.Entry<String, NDArray> e : lora.adapterTensors(adapter).entrySet()) {
      NDArray a = e.getValue();
      if (a.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "adapter '" + adapter + "' tensor '" + e.getKey() + "' is " + a.getDataType());
      }
      b.add(TensorSpec.f32(e.getKey(), dims(a.getShape())), a.toFloatArray());
    }
    return b.build();
  }

  /**
   * Copies {@code params} into adapter {@code adapter}'s A and B arrays in place (with gradient
   * recording off on this thread). Call outside a gradient collector.
   *
   * @throws IllegalArgumentException if names (in order), shapes or dtypes differ from the
   *     adapter's, or a value is not finite; nothing is written then
   */
  public static void load(LoraModel lora, String adapter, ParameterSet params) {
    Map<String, NDArray> live = lora.adapterTensors(adapter);
    List<String> names = new ArrayList<>(live.keySet());
    if (!params.names().equals(names)) {
      throw new IllegalArgumentException(
          "parameter names "
              + params.names()
              + " differ from adapter '"
              + adapter
              + "' tensors "
              + names);
    }
    for (TensorSpec spec : params.specs()) {
      NDArray a = live.get(spec.name());
      List<Integer> want = toList(dims(a.getShape()));
      if (!spec.shape().equals(want)) {
        throw new IllegalArgumentException(
            "tensor '" + spec.name() + "' has shape " + spec.shape() + ", adapter has " + want);
      }
      if (spec.dtype() != TensorSpec.DType.F32) {
        throw new IllegalArgumentException(
            "tensor '" + spec.name() + "' has dtype " + spec.dtype() + ", adapter needs F32");
      }
    }
    params
        .firstNonFinite()
        .ifPresent(
            v -> {
              throw new IllegalArgumentException("non-finite parameter " + v);
            });
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (TensorSpec spec : params.specs()) {
        NDArray a = live.get(spec.name());
        try (NDManager tmp = a.getManager().newSubManager()) {
          NDArray src = tmp.create(params.values(spec.name()), a.getShape());
          a.set(new NDIndex("..."), src);
        }
      }
    }
  }

  private static int[] dims(Shape shape) {
    int[] d = new int[shape.dimension()];
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.toIntExact(shape.get(i));
    }
    return d;
  }

  private static List<Integer> toList(int[] d) {
    List<Integer> out = new ArrayList<>(d.length);
    for (int x : d) {
      out.add(x);
    }
    return out;
  }
}
