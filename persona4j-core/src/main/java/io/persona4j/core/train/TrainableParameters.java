/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The named tensors a training run updates, with gradients attached; everything else a model holds
 * stays frozen (no gradient is recorded for it).
 *
 * <p>Any module can contribute parameters: an adapter module passes its own {@code Map<String,
 * NDArray>} to {@link #of}, a classification head its weight and bias, and {@link #merge} combines
 * them. The arrays stay owned by whoever created them; the training code updates them in place, so
 * the model computing with them sees every update.
 */
public final class TrainableParameters {
  private final Map<String, NDArray> params;

  private TrainableParameters(Map<String, NDArray> params) {
    this.params = Collections.unmodifiableMap(params);
  }

  /**
   * Marks {@code params} trainable ({@code setRequiresGradient(true)}) and keeps them in map order.
   *
   * @throws IllegalArgumentException if the map is empty, a name is blank, an array is not FLOAT32,
   *     or one array appears under two names (it would be updated twice per step)
   */
  public static TrainableParameters of(Map<String, NDArray> params) {
    Objects.requireNonNull(params, "params");
    if (params.isEmpty()) {
      throw new IllegalArgumentException("no trainable parameters given");
    }
    Map<NDArray, String> seen = new IdentityHashMap<>();
    Map<String, NDArray> copy = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      String name = e.getKey();
      NDArray a = e.getValue();
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a trainable parameter has a blank name");
      }
      Objects.requireNonNull(a, () -> "parameter '" + name + "' is null");
      if (a.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "parameter '" + name + "' is " + a.getDataType() + ", training needs FLOAT32");
      }
      String other = seen.put(a, name);
      if (other != null) {
        throw new IllegalArgumentException(
            "parameters '" + other + "' and '" + name + "' are the same array");
      }
      copy.put(name, a);
    }
    copy.values().forEach(a -> a.setRequiresGradient(true));
    return new TrainableParameters(copy);
  }

  /**
   * Full-parameter training: every weight of {@code model} (see {@link LlamaModel#weights()}), as
   * when pre-training a small base model.
   */
  public static TrainableParameters allOf(LlamaModel model) {
    return of(model.weights());
  }

  /**
   * The union of several sets (e.g. adapter weights and a classification head).
   *
   * @throws IllegalArgumentException if a name or an array occurs in two of them
   */
  public static TrainableParameters merge(TrainableParameters... sets) {
    Map<String, NDArray> all = new LinkedHashMap<>();
    for (TrainableParameters s : sets) {
      for (Map.Entry<String, NDArray> e : s.params.entrySet()) {
        if (all.putIfAbsent(e.getKey(), e.getValue()) != null) {
          throw new IllegalArgumentException("parameter name '" + e.getKey() + "' occurs twice");
        }
      }
    }
    return of(all);
  }

  /**
   * These parameters less those named in {@code names} (names not among them are ignored), in the
   * same order: what an optimizer updates on a step where an objective froze some of them.
   */
  public TrainableParameters without(Set<String> names) {
    Map<String, NDArray> kept = new LinkedHashMap<>(params);
    kept.keySet().removeAll(names);
    return new TrainableParameters(kept);
  }

  /** Parameters by name, in a fixed order (the order updates and checkpoints use). */
  public Map<String, NDArray> asMap() {
    return params;
  }

  public Set<String> names() {
    return params.keySet();
  }

  /**
   * The parameter called {@code name}.
   *
   * @throws IllegalArgumentException naming it if there is none
   */
  public NDArray get(String name) {
    NDArray a = params.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no trainable parameter '" + name + "'");
    }
    return a;
  }

  public int size() {
    return params.size();
  }

  /** Total number of scalar parameters. */
  public long elementCount() {
    return params.values().stream().mapToLong(NDArray::size).sum();
  }

  /**
   * The accumulated gradient of a parameter as a handle on {@code scope} (in-place ops on it change
   * the gradient), or null if no backward pass has reached the parameter since it was created.
   */
  public NDArray gradient(String name, NDManager scope) {
    return Autograd.gradient(get(name), scope);
  }

  /**
   * Sets every accumulated gradient to zero (as PyTorch's {@code zero_grad(set_to_none=False)}).
   */
  public void zeroGradients() {
    params.values().forEach(Autograd::zeroGradient);
  }

  /** The L2 norm of all gradients taken together (0 if none has been computed). */
  public double gradientNorm() {
    return GradientClipping.globalNorm(this);
  }

  /**
   * Stops recording gradients for these arrays ({@code setRequiresGradient(false)}), e.g. before
   * serving a fine-tuned model from several threads.
   */
  public void freeze() {
    params.values().forEach(a -> a.setRequiresGradient(false));
  }

  @Override
  public String toString() {
    return "TrainableParameters[" + params.size() + " tensors, " + elementCount() + " values]";
  }
}
