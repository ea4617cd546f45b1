/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.persona4j.adapters.lora.LoraInit;
import io.persona4j.adapters.lora.RankGate;
import java.util.Arrays;

/**
 * The gate of one mixture of LoRA experts: computes {@code g [B, K]} once per batch and hands every
 * gated unit the same {@code g} repeated over each expert's rank block, {@code [B, 1, r]}.
 *
 * <p>The router (for {@link GateType#LINEAR}) and the uniform weights live on this gate's manager;
 * the per-batch gate lives on the manager of the array it was computed from (the caller's step
 * manager), so it is freed with the batch. Not thread-safe.
 */
final class MoeGate implements RankGate, AutoCloseable {
  private final String adapter;
  private final MoeLoraConfig config;
  private final NDManager manager;
  private final NDArray router; // [K, gateDim], LINEAR only
  private final NDArray uniform; // [1, 1, r] of 1/K
  private long randomCalls;
  private NDArray gate; // [B, K]
  private boolean ownGate; // gate was computed here (not the caller's array)
  private NDArray expanded; // [B, 1, r], always computed here

  /**
   * @param routerValues {@code K * gateDim} router weights (row-major {@code [K, gateDim]}) for a
   *     linear gate, or null for the others
   * @param router an already loaded router {@code [K, gateDim]} (taken onto this gate's manager),
   *     used when {@code routerValues} is null
   */
  MoeGate(
      String adapter,
      MoeLoraConfig config,
      NDManager parent,
      float[] routerValues,
      NDArray router) {
    this.adapter = adapter;
    this.config = config;
    this.manager = parent.newSubManager();
    boolean linear = config.gateType() == GateType.LINEAR;
    Shape routerShape = new Shape(config.numExperts(), config.gateDim());
    if (linear && routerValues != null) {
      router = manager.create(routerValues, routerShape);
    }
    if (linear != (router != null) || (router != null && !router.getShape().equals(routerShape))) {
      manager.close();
      throw new IllegalArgumentException(
          "a "
              + config.gateType()
              + " gate needs "
              + (linear ? "a router " + routerShape : "none"));
    }
    if (router != null) {
      router.attach(manager);
      NDScope.unregister(router);
    }
    this.router = router;
    float[] u = new float[config.r()];
    Arrays.fill(u, 1f / config.numExperts());
    try (NDArray host = manager.create(u, new Shape(1, 1, config.r()))) {
      // torch-owned memory: the product's backward pass keeps it (see io.persona4j.core.train)
      this.uniform = host.duplicate();
    }
    NDScope.unregister(uniform);
  }

  /** Initial router weights: {@code nn.Linear}'s default init, uniform on ±1/sqrt(gateDim). */
  static float[] initialRouter(MoeLoraConfig config, long seed, String adapter) {
    return LoraInit.kaimingUniform(
        config.numExperts(),
        config.gateDim(),
        LoraInit.stream(seed, adapter, MoeLoraFiles.ROUTER_TENSOR, "router"));
  }

  /** The router {@code [K, gateDim]}, or null unless the gate is linear. */
  NDArray router() {
    return router;
  }

  /** Records gradients on the router, if there is one. */
  void setTrainable(boolean trainable) {
    if (router != null && router.hasGradient() != trainable) {
      router.setRequiresGradient(trainable);
    }
  }

  /**
   * Computes the gate of a batch from its per-sequence inputs {@code [B, gateDim]}: {@code
   * softmax(e W^T)} (linear), a fresh random softmax per row (random), or {@code 1/K} (uniform; the
   * input only gives B).
   */
  void setInput(NDArray input) {
    Shape s = input.getShape();
    if (s.dimension() != 2 || s.get(1) != config.gateDim()) {
      throw new IllegalArgumentException(
          "adapter '"
              + adapter
              + "': the gate input has shape "
              + s
              + ", expected [B, gate_dim] with gate_dim = "
              + config.gateDim());
    }
    if (input.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "adapter '" + adapter + "': the gate input is " + input.getDataType() + ", not FLOAT32");
    }
    long batch = s.get(0);
    int k = config.numExperts();
    NDArray g;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      g =
          switch (config.gateType()) {
            case LINEAR -> Linear.linear(input, router, null).singletonOrThrow().softmax(-1);
            case RANDOM -> {
              float[] z =
                  LoraInit.normal(
                      Math.toIntExact(batch * k),
                      1.0,
                      LoraInit.stream(config.seed(), adapter, "random gate", "" + randomCalls++));
              yield input.getManager().create(z, new Shape(batch, k)).softmax(-1);
            }
            case UNIFORM -> {
              float[] u = new float[Math.toIntExact(batch * k)];
              Arrays.fill(u, 1f / k);
              yield input.getManager().create(u, new Shape(batch, k)).duplicate();
            }
          };
      NDScope.unregister(g);
    }
    NDScope.register(g);
    set(g);
    ownGate = true; // computed here
  }

  /**
   * Uses {@code g [B, K]} as the gate (any weights: one-hot, uniform, a router's output). It is
   * repeated over each expert's rank block once here, not in every layer.
   */
  void set(NDArray g) {
    Shape s = g.getShape();
    int k = config.numExperts();
    if (s.dimension() != 2 || s.get(1) != k || g.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "adapter '"
              + adapter
              + "': a gate must be FLOAT32 [B, K] with K = "
              + k
              + ", got "
              + g.getDataType()
              + " "
              + s);
    }
    long batch = s.get(0);
    NDArray e;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      // g_k repeated r/K times: [B, K] -> [B, K, 1] -> [B, K, r/K] -> [B, 1, r]
      e =
          g.expandDims(2)
              .broadcast(new Shape(batch, k, config.expertRank()))
              .reshape(new Shape(batch, 1, config.r()));
      NDScope.unregister(e);
    }
    NDScope.register(e);
    boolean keep = g == gate && ownGate; // re-setting the current gate keeps it
    if (gate == g) {
      gate = null;
    }
    clear();
    this.gate = g;
    this.ownGate = keep;
    this.expanded = e;
  }

  /**
   * Forgets the current gate and frees the arrays computed here (autograd keeps what a pending
   * backward pass needs), so that setting a gate per batch leaks nothing even when the inputs live
   * on a long-lived manager.
   */
  void clear() {
    if (expanded != null) {
      expanded.close();
    }
    if (ownGate && gate != null) {
      gate.close();
    }
    gate = null;
    expanded = null;
    ownGate = false;
  }

  /**
   * The current gate {@code [B, K]}, or null if none is set or it was freed with its batch. A gate
   * computed by {@link #setInput} is freed when the next one is set.
   */
  NDArray gate() {
    return gate == null || gate.isReleased() ? null : gate;
  }

  @Override
  public NDArray rankWeights(long batch, int rank) {
    if (rank != config.r()) {
      throw new IllegalStateException(
          "adapter '"
              + adapter
              + "': a unit of rank "
              + rank
              + " in a mixture of rank "
              + config.r());
    }
    if (expanded == null) {
      if (config.gateType() == GateType.UNIFORM) {
        return uniform;
      }
      throw new IllegalStateException(
          "adapter '"
              + adapter
              + "' has a "
              + config.gateType()
              + " gate but none is set: call MoeLoraModel.setGateInput([B, "
              + config.gateDim()
              + "]) (or setGate([B, "
              + config.numExperts()
              + "])) before each forward batch");
    }
    if (expanded.isReleased()) {
      throw new IllegalStateException(
          "adapter '"
              + adapter
              + "': the gate was freed with the manager of the batch it was set for; call"
              + " setGateInput (or setGate) for every batch");
    }
    long gb = expanded.getShape().get(0);
    if (gb != batch) {
      throw new IllegalStateException(
          "adapter '"
              + adapter
              + "': the gate is for a batch of "
              + gb
              + " sequences but the input has "
              + batch
              + "; call setGateInput for this batch");
    }
    return expanded;
  }

  /** Frees the router and the uniform weights. */
  @Override
  public void close() {
    clear();
    manager.close();
  }
}
