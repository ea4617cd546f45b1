/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraConfigs;
import io.persona4j.adapters.lora.LoraInjector;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.adapters.lora.ParameterCounts;
import io.persona4j.core.model.AdaptableModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance-wise mixture of LoRA experts (iLoRA) on one {@link AdaptableModel}; see {@link
 * MoeLoraConfig} for the math. Each target layer holds one rank-r LoRA unit whose rank components
 * are weighted by the gate (a {@link io.persona4j.adapters.lora.RankGate}), so a forward pass costs
 * what plain rank-r LoRA costs plus one {@code [B, T, r]} product per layer.
 *
 * <p>Use: {@link #add} (or {@link #load}); for every batch {@link #setGateInput} with the
 * per-sequence embeddings {@code [B, gateDim]} (inside the gradient collector when training, so the
 * router gets gradients), then run the model. The gate stays set until the next call (so a
 * generation loop sets it once), and is freed with the manager of its input.
 *
 * <p>Saved directories hold a pure PEFT adapter ({@code adapter_config.json} with {@code r} the
 * total rank and {@code lora_alpha = alpha}, {@code adapter_model.safetensors}), which PEFT and
 * {@link LoraModel} load as the {@link GateType#UNIFORM} mixture (PEFT's {@code alpha / r} equals
 * {@code alpha / (r/K) * 1/K}), plus {@link MoeLoraFiles}' files for the gate.
 *
 * <p>Holds one mixture adapter; use one {@code MoeLoraModel} per model and no {@link LoraModel}
 * beside it. Gated units cannot be merged. Not thread-safe.
 */
public final class MoeLoraModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MoeLoraModel.class);
  private final LoraModel lora;
  private final NDManager manager;
  private String name;
  private MoeLoraConfig config;
  private MoeGate gate;
  private boolean trainable;

  private MoeLoraModel(AdaptableModel model, NDManager parent) {
    this.manager = parent.newSubManager();
    this.lora = LoraModel.of(model, manager);
  }

  /** Manages a mixture of LoRA experts on {@code model}; the router lives under {@code parent}. */
  public static MoeLoraModel of(AdaptableModel model, NDManager parent) {
    return new MoeLoraModel(model, parent);
  }

  /** The adapted model. */
  public AdaptableModel model() {
    return lora.model();
  }

  /** See {@link LoraModel#setAllowBaseMismatch}. */
  public MoeLoraModel setAllowBaseMismatch(boolean allow) {
    lora.setAllowBaseMismatch(allow);
    return this;
  }

  /**
   * Adds a new trainable mixture: A Kaiming-uniform and B zero on every target (so the model is
   * unchanged at first), the router (linear gates) uniform on ±1/sqrt(gateDim), all from {@code
   * seed}.
   *
   * @return the targeted module paths, in model order
   * @throws IllegalArgumentException listing the model's module names if no target matches
   * @throws IllegalStateException if this model already holds a mixture
   */
  public List<String> add(String name, MoeLoraConfig config, long seed) {
    checkEmpty();
    float[] router =
        config.gateType() == GateType.LINEAR ? MoeGate.initialRouter(config, seed, name) : null;
    MoeGate g = new MoeGate(name, config, manager, router, null);
    List<String> targets;
    try {
      targets = lora.add(name, config.loraConfig(), seed, factory(config, g));
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    installed(name, config, g, true);
    return targets;
  }

  /**
   * Loads a mixture saved by {@link #save}, frozen unless {@code trainable}. Everything is checked
   * before the model changes.
   *
   * @param seed seed of its dropout streams (used only if trained)
   * @return the mixture's config, rebuilt from the files
   * @throws IOException naming the file and field or tensor for a missing file, an unknown format
   *     version, configs that disagree, or a misshapen or non-finite tensor
   */
  public MoeLoraConfig load(Path dir, String name, boolean trainable, long seed)
      throws IOException {
    checkEmpty();
    MoeLoraConfig c = MoeLoraFiles.readConfig(dir, LoraConfigs.read(dir));
    NDArray router = MoeLoraFiles.readRouter(dir, c, manager);
    MoeGate g = new MoeGate(name, c, manager, null, router);
    try {
      lora.load(dir, name, trainable, seed, factory(c, g));
    } catch (IOException | RuntimeException e) {
      g.close();
      throw e;
    }
    installed(name, c, g, trainable);
    return c;
  }

  /** As {@link #load(Path, String, boolean, long)}, frozen. */
  public MoeLoraConfig load(Path dir, String name) throws IOException {
    return load(dir, name, false, 0);
  }

  /**
   * Saves the mixture: the PEFT adapter files (F32) and {@link MoeLoraFiles}' files beside them.
   */
  public void save(Path dir) throws IOException {
    requireAdapter();
    lora.save(name, dir);
    MoeLoraFiles.write(dir, config, gate.router());
  }

  /**
   * Computes the gate of the next batch from its per-sequence inputs {@code [B, gateDim]}
   * (FLOAT32): {@code softmax(input W^T)} for a linear gate, a fresh seeded random softmax per row
   * for a random one, {@code 1/K} for a uniform one. Call it inside the gradient collector when
   * training the router. The gate lives on the input's manager.
   *
   * @throws IllegalArgumentException if the shape or type is wrong
   */
  public void setGateInput(NDArray gateInput) {
    requireAdapter().setInput(gateInput);
  }

  /**
   * Sets the gate {@code g [B, K]} directly (FLOAT32; e.g. one-hot for an ablation or a test); a
   * router, if any, is bypassed and gets no gradient.
   */
  public void setGate(NDArray g) {
    requireAdapter().set(g);
  }

  /** Forgets the current gate: the next forward pass needs a new one (except uniform gates). */
  public void clearGate() {
    requireAdapter().clear();
  }

  /**
   * The last gate {@code [B, K]} (for logging expert usage), or null if none is set or it was freed
   * with its batch's manager. A gate computed by {@link #setGateInput} is freed when the next gate
   * is set: copy it (e.g. {@code toFloatArray()}) to keep it.
   */
  public NDArray gate() {
    return requireAdapter().gate();
  }

  /** The router {@code [K, gateDim]}, or null for random and uniform gates. */
  public NDArray routerWeight() {
    return requireAdapter().router();
  }

  /**
   * The parameters that record gradients (none if the mixture is frozen), experts and router apart,
   * with the router's learning-rate multiplier.
   */
  public MoeParameters trainableParameters() {
    requireAdapter();
    Map<String, NDArray> router =
        trainable && gate.router() != null
            ? Map.of("moe_gate." + name + "." + MoeLoraFiles.ROUTER_TENSOR, gate.router())
            : Map.of();
    return new MoeParameters(lora.trainableParameters(), router, config.routerLrMultiplier());
  }

  /** Makes the experts and the router trainable or frozen. */
  public void setTrainable(boolean trainable) {
    requireAdapter();
    lora.setTrainable(name, trainable);
    gate.setTrainable(trainable);
    this.trainable = trainable;
  }

  /** Training mode (LoRA dropout on) or inference mode (the default). */
  public void train(boolean training) {
    lora.train(training);
  }

  /**
   * Trainable parameters vs all: the experts count as plain rank-r LoRA, plus {@code K * gateDim}
   * for a linear router.
   */
  public ParameterCounts parameterCounts() {
    ParameterCounts c = lora.parameterCounts();
    long router = config == null ? 0 : config.routerParameterCount();
    return new ParameterCounts(c.trainable() + (trainable ? router : 0), c.total() + router);
  }

  /** The mixture's name, or null if none is held. */
  public String name() {
    return name;
  }

  /** The mixture's config. */
  public MoeLoraConfig config() {
    requireAdapter();
    return config;
  }

  /** The PEFT config the mixture is saved with (its uniform-gate view). */
  public LoraConfig loraConfig() {
    requireAdapter();
    return lora.config(name);
  }

  /** The targeted module paths. */
  public List<String> targets() {
    requireAdapter();
    return lora.targets(name);
  }

  /** The gated unit (A {@code [r, in]}, B {@code [out, r]}) on each target, by module path. */
  public Map<String, LoraUnit> units() {
    requireAdapter();
    return lora.units(name);
  }

  /** Removes the mixture and restores the model's original layers. */
  public void delete() {
    requireAdapter();
    lora.delete(name);
    gate.close();
    name = null;
    config = null;
    gate = null;
    trainable = false;
  }

  /** Deletes the mixture, if any, and frees everything. */
  @Override
  public void close() {
    if (name != null) {
      delete();
    }
    lora.close();
    manager.close();
  }

  private static LoraInjector.UnitFactory factory(MoeLoraConfig config, MoeGate gate) {
    return (path, a, b, dropout, parent) ->
        new LoraUnit(parent, a, b, config.scale(), dropout, gate);
  }

  private void installed(String name, MoeLoraConfig config, MoeGate gate, boolean trainable) {
    this.name = name;
    this.config = config;
    this.gate = gate;
    this.trainable = trainable;
    gate.setTrainable(trainable);
    List<String> targets = lora.targets(name);
    long experts = lora.units(name).values().stream().mapToLong(LoraUnit::parameterCount).sum();
    LOG.info(
        "mixture of LoRA experts '{}': {} experts of rank {} (r={}), scale alpha/(r/K) = {}, {} gate"
            + " on {}-d inputs; {} of {} linear layers; {} expert + {} router parameters{}",
        name,
        config.numExperts(),
        config.expertRank(),
        config.r(),
        config.scale(),
        config.gateType(),
        config.gateDim(),
        targets.size(),
        lora.model().linears().size(),
        experts,
        config.routerParameterCount(),
        trainable ? " (trainable, router lr x" + config.routerLrMultiplier() + ")" : " (frozen)");
  }

  private void checkEmpty() {
    if (name != null) {
      throw new IllegalStateException(
          "this MoeLoraModel already holds mixture '" + name + "'; delete() it first");
    }
  }

  private MoeGate requireAdapter() {
    if (gate == null) {
      throw new IllegalStateException("no mixture of LoRA experts: add() or load() one first");
    }
    return gate;
  }
}
