/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.persona4j.core.kernel.LowRankDelta;
import io.persona4j.core.model.AdditiveLinear;
import io.persona4j.core.model.Linear;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A linear layer with LoRA adapters: {@code h = W0 x + b + sum over active adapters of scale * B A
 * dropout(x)}. The base layer stays frozen: its weight and bias never get gradients; only the
 * adapters' A and B do (see {@link LoraUnit#setTrainable}).
 *
 * <p>Several named adapters may be held and any subset be active. Adapters can be merged into the
 * base weight (in place, so that {@link #weight()}, any export of the base model and any larger
 * tensor the weight is a view of see the merged weight) and unmerged again, also in place: {@link
 * UnmergeStrategy#RESTORE_COPY} restores the exact original bits, {@link UnmergeStrategy#SUBTRACT}
 * subtracts the deltas as PEFT does (no extra memory, equal to rounding error only).
 *
 * <p>Not thread-safe for mutation; concurrent {@link #forward} calls are fine in inference mode.
 */
public final class LoraLinear extends Linear implements AdditiveLinear {
  /** How {@link #unmerge()} gets the original weight back. */
  public enum UnmergeStrategy {
    /** Keep a copy of the weight at the first merge and restore it: exact, one weight of memory. */
    RESTORE_COPY,
    /** Subtract the merged deltas in reverse order: no memory, exact only up to rounding. */
    SUBTRACT
  }

  private final Linear base;
  private final Map<String, LoraUnit> units = new LinkedHashMap<>();
  private final Set<String> active = new LinkedHashSet<>();
  private final List<String> merged = new ArrayList<>();
  private NDManager copyManager;
  private NDArray original;
  private boolean training;

  /** Wraps {@code base}; same name, weight and bias. */
  public LoraLinear(Linear base) {
    super(base.name(), base.weight(), base.bias());
    if (base instanceof LoraLinear) {
      throw new IllegalArgumentException(base.name() + " already has LoRA adapters");
    }
    this.base = base;
  }

  /** The wrapped layer (its weight is this layer's weight, merged adapters included). */
  public Linear base() {
    return base;
  }

  /**
   * Adds adapter {@code name} (inactive; see {@link #setActive}).
   *
   * @throws IllegalArgumentException if the name is taken or the unit's shapes do not fit
   */
  public void add(String name, LoraUnit unit) {
    if (units.containsKey(name)) {
      throw new IllegalArgumentException(name() + " already has an adapter '" + name + "'");
    }
    long in = unit.a().getShape().get(1);
    long out = unit.b().getShape().get(0);
    if (in != inFeatures() || out != outFeatures()) {
      throw new IllegalArgumentException(
          name()
              + ": adapter '"
              + name
              + "' has A "
              + unit.a().getShape()
              + " and B "
              + unit.b().getShape()
              + ", which do not fit a layer of in "
              + inFeatures()
              + ", out "
              + outFeatures());
    }
    units.put(name, unit);
  }

  /** The adapter {@code name}, or null. */
  public LoraUnit unit(String name) {
    return units.get(name);
  }

  /** Names of the adapters held, in insertion order. */
  public Set<String> adapterNames() {
    return Collections.unmodifiableSet(units.keySet());
  }

  /**
   * Removes and frees adapter {@code name}.
   *
   * @throws IllegalStateException if it is merged
   */
  public void remove(String name) {
    if (merged.contains(name)) {
      throw new IllegalStateException(name() + ": unmerge adapter '" + name + "' before removing");
    }
    LoraUnit u = units.remove(name);
    active.remove(name);
    if (u != null) {
      u.close();
    }
  }

  /**
   * Sets the active adapters (those added to the output when not merged).
   *
   * @throws IllegalArgumentException naming an adapter this layer does not hold
   */
  public void setActive(Collection<String> names) {
    for (String n : names) {
      if (!units.containsKey(n)) {
        throw new IllegalArgumentException(name() + " has no adapter '" + n + "'");
      }
    }
    active.clear();
    active.addAll(names);
  }

  /** The active adapters. */
  public Set<String> active() {
    return Collections.unmodifiableSet(active);
  }

  /** Training mode applies LoRA dropout; inference mode (the default) does not. */
  public void setTraining(boolean training) {
    this.training = training;
  }

  /** Whether dropout is applied. */
  public boolean training() {
    return training;
  }

  /**
   * {@code x [..., in] -> [..., out]}: the base layer plus every active, unmerged adapter. The
   * result lives on x's manager (and in the enclosing {@link NDScope}, if any); temporaries are
   * freed.
   *
   * @throws IllegalStateException in training mode while an adapter is merged (its A and B would
   *     get no gradient)
   */
  @Override
  public NDArray forward(NDArray x) {
    if (training && !merged.isEmpty()) {
      throw new IllegalStateException(
          name() + ": adapters " + merged + " are merged; unmerge before training");
    }
    if (!training && base.kernelApplies(x)) {
      List<LowRankDelta> terms = kernelDeltas();
      if (terms != null) { // base and adapters in one kernel call, no PyTorch op per adapter
        return base.forwardKernel(x, terms.stream().map(t -> new ColumnTerm(0, t)).toList());
      }
    }
    NDArray y;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      y = base.forward(x); // [..., out]
      for (String n : active) {
        if (!merged.contains(n)) {
          y = y.add(units.get(n).apply(x, training)); // [..., out]
        }
      }
      NDScope.unregister(y);
    }
    NDScope.register(y);
    return y;
  }

  /**
   * The active, unmerged adapters' sum for {@code x [..., in]} ({@code [..., out]}, null if none):
   * with a decoder that fuses q/k/v and gate/up, inference keeps the fused base matmul and adds
   * this to its columns ({@link AdditiveLinear}); equal to {@link #forward} minus the base term.
   */
  @Override
  public NDArray delta(NDArray x) {
    NDArray d = null;
    for (String n : active) {
      if (!merged.contains(n)) {
        NDArray u = units.get(n).apply(x, false); // [..., out]
        d = d == null ? u : d.add(u);
      }
    }
    return d;
  }

  /**
   * The active, unmerged adapters as terms of the decode kernel (A and B read in place), or null in
   * training mode or when one of them has a gate or trainable arrays ({@link
   * LoraUnit#kernelDelta}).
   */
  @Override
  public List<LowRankDelta> kernelDeltas() {
    if (training) {
      return null;
    }
    List<LowRankDelta> terms = new ArrayList<>(active.size());
    for (String n : active) {
      if (!merged.contains(n)) {
        LowRankDelta d = units.get(n).kernelDelta();
        if (d == null) {
          return null;
        }
        terms.add(d);
      }
    }
    return terms;
  }

  /** In training mode (dropout, gradients) the decoder calls {@link #forward} instead. */
  @Override
  public boolean fusable() {
    return !training;
  }

  /**
   * Adds {@code scale * B A} of each named adapter to the base weight, in place. Merged adapters
   * are no longer computed separately.
   *
   * @param names adapters to merge (already merged ones are skipped)
   * @param strategy how {@link #unmerge()} will undo it; all merges until then use the first one
   *     chosen
   */
  public void merge(Collection<String> names, UnmergeStrategy strategy) {
    for (String n : names) {
      if (!units.containsKey(n)) {
        throw new IllegalArgumentException(name() + " has no adapter '" + n + "'");
      }
      if (units.get(n).gate() != null) {
        throw new IllegalStateException(
            name()
                + ": adapter '"
                + n
                + "' has a per-sequence gate (mixture of LoRA experts) and cannot be merged");
      }
    }
    if (base.hasDecodeWeights()) {
      throw new IllegalStateException(
          name()
              + ": the base model was loaded with reduced-precision decode weights (bf16/int8),"
              + " which a merge would leave stale; use the adapter unmerged or load the model"
              + " with f32 weights");
    }
    NDArray w = weight();
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      for (String n : names) {
        if (merged.contains(n)) {
          continue;
        }
        if (merged.isEmpty() && strategy == UnmergeStrategy.RESTORE_COPY) {
          copyManager = w.getManager().newSubManager();
          original = w.duplicate();
          NDScope.unregister(original);
          original.attach(copyManager);
        }
        w.addi(units.get(n).delta(w.getManager()));
        merged.add(n);
      }
    }
  }

  /** Undoes every merge: restores the kept copy exactly, or subtracts the deltas. */
  public void unmerge() {
    if (merged.isEmpty()) {
      return;
    }
    NDArray w = weight();
    if (original != null) {
      // Copy back in place: w may be a view of a larger (fused) weight that must be restored too.
      w.set(new NDIndex("..."), original);
      copyManager.close();
      original = null;
      copyManager = null;
    } else {
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        for (int i = merged.size() - 1; i >= 0; i--) {
          w.subi(units.get(merged.get(i)).delta(w.getManager()));
        }
      }
    }
    merged.clear();
  }

  /** The merged adapters, in merge order. */
  public List<String> merged() {
    return Collections.unmodifiableList(merged);
  }

  /** Unmerges, then frees every adapter. The base layer's arrays stay with their owner. */
  public void closeAdapters() {
    unmerge();
    for (LoraUnit u : units.values()) {
      u.close();
    }
    units.clear();
    active.clear();
  }
}
