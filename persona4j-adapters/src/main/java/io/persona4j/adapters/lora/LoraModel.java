/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.Linear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named LoRA adapters on one {@link AdaptableModel}, as PEFT's {@code PeftModel} manages them: add
 * or load, activate any subset, merge and unmerge, save in PEFT layout, list trainable parameters.
 *
 * <p>New adapters ({@link #add}) are trainable; loaded ones are frozen unless loaded with {@code
 * trainable = true}, as in PEFT. A and B record gradients exactly when their adapter is trainable
 * and active; base weights never do. {@link #close()} frees every adapter and puts the model's
 * original layers back. Not thread-safe.
 */
public final class LoraModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);
  private final AdaptableModel model;
  private final NDManager manager;
  private final Map<String, Entry> adapters = new LinkedHashMap<>();
  private final Set<String> active = new LinkedHashSet<>();
  private final BaseModelGuard base;
  private LoraLinear.UnmergeStrategy unmergeStrategy = LoraLinear.UnmergeStrategy.RESTORE_COPY;
  private boolean training;

  private static final class Entry {
    final LoraConfig config;
    final List<String> targets;
    final NDManager extrasManager;
    final Map<String, NDArray> modulesToSave;
    boolean trainable;

    Entry(LoraConfig c, List<String> t, NDManager m, Map<String, NDArray> s, boolean trainable) {
      this.config = c;
      this.targets = List.copyOf(t);
      this.extrasManager = m;
      this.modulesToSave = Collections.unmodifiableMap(new LinkedHashMap<>(s));
      this.trainable = trainable;
    }
  }

  private LoraModel(AdaptableModel model, NDManager parent) {
    this.model = model;
    this.manager = parent.newSubManager();
    this.base = new BaseModelGuard(model);
  }

  /**
   * Manages adapters on {@code model}; {@code modules_to_save} tensors of loaded adapters live on a
   * sub-manager of {@code parent}.
   */
  public static LoraModel of(AdaptableModel model, NDManager parent) {
    return new LoraModel(model, parent);
  }

  /** The adapted model (its targeted layers are {@link LoraLinear}s). */
  public AdaptableModel model() {
    return model;
  }

  /**
   * Adds a new trainable adapter (see {@link LoraInjector#inject}); it becomes active if no adapter
   * is active yet.
   *
   * @return the targeted module paths
   */
  public List<String> add(String name, LoraConfig config, long seed) {
    return add(name, config, seed, LoraInjector.standard(config));
  }

  /**
   * As {@link #add(String, LoraConfig, long)}, with units made by {@code factory}: for LoRA
   * variants that keep PEFT's tensors but scale or gate them differently (see {@link
   * LoraInjector.UnitFactory}).
   */
  public List<String> add(
      String name, LoraConfig config, long seed, LoraInjector.UnitFactory factory) {
    checkNew(name);
    Map<String, LoraLinear> layers = LoraInjector.inject(model, config, name, seed, factory);
    LoraConfig kept = config;
    if (config.targetModules() != null && config.targetModules().isAllLinear()) {
      // As PEFT: the shorthand becomes the module paths it selected (saved that way).
      kept = config.toBuilder().optTargets(layers.keySet().toArray(String[]::new)).build();
    }
    adapters.put(name, new Entry(kept, List.copyOf(layers.keySet()), null, Map.of(), true));
    afterAdd(name);
    return List.copyOf(layers.keySet());
  }

  /**
   * Loads a PEFT adapter directory as {@code name}, frozen unless {@code trainable}; it becomes
   * active if no adapter is active yet. Everything is checked before the model changes.
   *
   * @param seed seed of its dropout streams (used only if trained)
   * @throws IOException naming the file and tensor for unknown, missing, misshapen or non-finite
   *     tensors, or a config that is invalid or from an unknown Persona4j format version
   * @throws BaseModelMismatchException if the adapter records a different base model than this
   *     one's (see {@link #baseModelFingerprint}), unless {@link #setAllowBaseMismatch allowed}; an
   *     adapter that records none (e.g. made by PEFT) loads with a warning
   */
  public LoadedAdapter load(Path dir, String name, boolean trainable, long seed)
      throws IOException {
    return load(dir, name, trainable, seed, null);
  }

  /**
   * As {@link #load(Path, String, boolean, long)}, with units made by {@code factory} (null: plain
   * LoRA units with the file's scales).
   */
  public LoadedAdapter load(
      Path dir, String name, boolean trainable, long seed, LoraInjector.UnitFactory factory)
      throws IOException {
    checkNew(name);
    NDManager extras = manager.newSubManager();
    PeftAdapterFiles.Prepared p;
    try {
      p = PeftAdapterFiles.read(model, dir, name, seed, extras, factory);
      try {
        base.check(dir, p.provenance());
      } catch (IOException | RuntimeException e) {
        p.units().values().forEach(LoraUnit::close);
        throw e;
      }
      LoraInjector.install(model, name, p.units());
    } catch (IOException | RuntimeException e) {
      extras.close();
      throw e;
    }
    List<String> targets = List.copyOf(p.units().keySet());
    LOG.info(
        "LoRA adapter '{}' loaded from {} (r={}, alpha={}, rslora={}): {} of {} linear layers{}: {}",
        name,
        dir,
        p.config().r(),
        p.config().loraAlpha(),
        p.config().useRslora(),
        targets.size(),
        model.linears().size(),
        p.modulesToSave().isEmpty() ? "" : ", modules_to_save " + p.modulesToSave().keySet(),
        LoraInjector.abbreviate(targets));
    adapters.put(name, new Entry(p.config(), targets, extras, p.modulesToSave(), trainable));
    afterAdd(name);
    return new LoadedAdapter(name, dir, p.config(), targets, p.modulesToSave(), p.provenance());
  }

  /** As {@link #load(Path, String, boolean, long)}, frozen. */
  public LoadedAdapter load(Path dir, String name) throws IOException {
    return load(dir, name, false, 0);
  }

  /**
   * Saves adapter {@code name} in PEFT layout (F32), with the {@code modules_to_save} tensors it
   * was loaded with.
   */
  public void save(String name, Path dir) throws IOException {
    save(name, dir, entry(name).modulesToSave);
  }

  /**
   * Saves adapter {@code name} in PEFT layout (F32) with the given {@code modules_to_save} tensors
   * (by parameter path, e.g. {@code score.weight}; their modules must be in the config's
   * modules_to_save).
   */
  public void save(String name, Path dir, Map<String, NDArray> modulesToSave) throws IOException {
    Entry e = entry(name);
    LoraConfig config = e.config;
    String fingerprint = base.fingerprint().orElse(null);
    if (fingerprint == null && config.persona4j() != null) {
      fingerprint = config.persona4j().baseModelFingerprint(); // as loaded
    }
    if (config.baseModelNameOrPath() == null) {
      config = config.toBuilder().optBaseModel(base.nameOrPath()).build();
    }
    PeftAdapterFiles.write(dir, config, units(name), modulesToSave, fingerprint);
  }

  /**
   * The {@link io.persona4j.core.model.ModelFingerprint} of the base model: recorded in every
   * adapter saved, checked against every adapter loaded. Computed from the directory the model was
   * loaded from on first use (cached per process; it reads every weight once), or as set; empty for
   * a model built in memory without one set.
   */
  public Optional<String> baseModelFingerprint() throws IOException {
    return base.fingerprint();
  }

  /**
   * Sets the base model's fingerprint, e.g. for a model built in memory from a known checkpoint.
   *
   * @throws IllegalArgumentException if it is not of ModelFingerprint's form
   */
  public LoraModel setBaseModelFingerprint(String fingerprint) {
    base.setFingerprint(fingerprint);
    return this;
  }

  /**
   * Whether {@link #load} accepts an adapter recorded as trained on a different base model (with a
   * warning) instead of throwing {@link BaseModelMismatchException}; false by default.
   */
  public LoraModel setAllowBaseMismatch(boolean allow) {
    base.setAllowMismatch(allow);
    return this;
  }

  /**
   * Activates exactly {@code names} (PEFT's {@code set_adapter}). Like PEFT, unmerges first if
   * anything is merged, so that the weights never hold an adapter that is not active.
   */
  public void activate(Collection<String> names) {
    for (String n : names) {
      entry(n);
    }
    unmergeBeforeSwitching();
    active.clear();
    active.addAll(names);
    refresh();
  }

  /** Activates exactly {@code names}. */
  public void activate(String... names) {
    activate(List.of(names));
  }

  /** Removes {@code name} from the active set (unmerging first if anything is merged). */
  public void deactivate(String name) {
    entry(name);
    unmergeBeforeSwitching();
    active.remove(name);
    refresh();
  }

  /**
   * Deletes adapter {@code name} and frees its tensors (if it is merged, every merge is undone
   * first). Layers left without adapters get their original layer back.
   */
  public void delete(String name) {
    Entry e = entry(name);
    if (layers(name).values().stream().anyMatch(l -> l.merged().contains(name))) {
      unmerge();
    }
    for (Map.Entry<String, LoraLinear> l : layers(name).entrySet()) {
      l.getValue().remove(name);
      if (l.getValue().adapterNames().isEmpty()) {
        model.replaceLinear(l.getKey(), l.getValue().base());
      }
    }
    if (e.extrasManager != null) {
      e.extrasManager.close();
    }
    adapters.remove(name);
    active.remove(name);
    refresh();
  }

  /** Merges every active adapter into the base weights (see {@link LoraLinear#merge}). */
  public void merge() {
    for (LoraLinear l : allLayers()) {
      l.merge(l.active(), unmergeStrategy);
    }
  }

  /** Undoes every merge. */
  public void unmerge() {
    for (LoraLinear l : allLayers()) {
      l.unmerge();
    }
  }

  /** How {@link #unmerge()} undoes merges made from now on (default exact RESTORE_COPY). */
  public void setUnmergeStrategy(LoraLinear.UnmergeStrategy strategy) {
    this.unmergeStrategy = strategy;
  }

  /** Training mode (LoRA dropout on) or inference mode (the default). */
  public void train(boolean training) {
    this.training = training;
    allLayers().forEach(l -> l.setTraining(training));
  }

  /** Makes adapter {@code name} trainable or frozen. */
  public void setTrainable(String name, boolean trainable) {
    entry(name).trainable = trainable;
    refresh();
  }

  /**
   * The parameters that record gradients, by PEFT's in-memory names ({@code
   * base_model.model.<path>.lora_A.<adapter>.weight}): A and B of every active, trainable adapter.
   */
  public Map<String, NDArray> trainableParameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String name : active) {
      if (adapters.get(name).trainable) {
        units(name)
            .forEach(
                (path, u) -> {
                  out.put(PeftKeys.parameter(path, name, true), u.a());
                  out.put(PeftKeys.parameter(path, name, false), u.b());
                });
      }
    }
    return out;
  }

  /** Adapter {@code name}'s tensors by their saved PEFT keys (no adapter name), in model order. */
  public Map<String, NDArray> adapterTensors(String name) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    units(name)
        .forEach(
            (path, u) -> {
              out.put(PeftKeys.loraA(path), u.a());
              out.put(PeftKeys.loraB(path), u.b());
            });
    return out;
  }

  /** Trainable parameters vs all (base model plus every adapter). */
  public ParameterCounts parameterCounts() {
    long adapterParams = 0;
    long trainable = 0;
    for (String name : adapters.keySet()) {
      long n = units(name).values().stream().mapToLong(LoraUnit::parameterCount).sum();
      adapterParams += n;
      if (active.contains(name) && adapters.get(name).trainable) {
        trainable += n;
      }
    }
    return new ParameterCounts(trainable, model.parameterCount() + adapterParams);
  }

  /** The adapters' names, in the order they were added. */
  public Set<String> adapters() {
    return Collections.unmodifiableSet(adapters.keySet());
  }

  /** The active adapters. */
  public Set<String> active() {
    return Collections.unmodifiableSet(active);
  }

  /** Adapter {@code name}'s config. */
  public LoraConfig config(String name) {
    return entry(name).config;
  }

  /** The module paths adapter {@code name} is on. */
  public List<String> targets(String name) {
    return entry(name).targets;
  }

  /** The {@code modules_to_save} tensors adapter {@code name} was loaded with (maybe empty). */
  public Map<String, NDArray> modulesToSave(String name) {
    return entry(name).modulesToSave;
  }

  /** Adapter {@code name}'s unit on each of its layers, by module path. */
  public Map<String, LoraUnit> units(String name) {
    Map<String, LoraUnit> out = new LinkedHashMap<>();
    layers(name).forEach((path, l) -> out.put(path, l.unit(name)));
    return out;
  }

  /** Unmerges, deletes every adapter and restores the model's original layers. */
  @Override
  public void close() {
    for (String name : List.copyOf(adapters.keySet())) {
      delete(name);
    }
    manager.close();
  }

  private Map<String, LoraLinear> layers(String name) {
    Entry e = entry(name);
    Map<String, Linear> linears = model.linears();
    Map<String, LoraLinear> out = new LinkedHashMap<>();
    for (String path : e.targets) {
      if (!(linears.get(path) instanceof LoraLinear l) || l.unit(name) == null) {
        throw new IllegalStateException(
            path
                + " no longer holds adapter '"
                + name
                + "': the model was changed behind LoraModel");
      }
      out.put(path, l);
    }
    return out;
  }

  /** Whether any adapter is merged into a base weight. */
  public boolean isMerged() {
    return allLayers().stream().anyMatch(l -> !l.merged().isEmpty());
  }

  private void unmergeBeforeSwitching() {
    if (isMerged()) {
      LOG.warn("adapters are merged; unmerging before changing the active set");
      unmerge();
    }
  }

  private List<LoraLinear> allLayers() {
    return model.linears().values().stream()
        .filter(LoraLinear.class::isInstance)
        .map(LoraLinear.class::cast)
        .toList();
  }

  private void afterAdd(String name) {
    if (active.isEmpty()) {
      active.add(name);
    }
    allLayers().forEach(l -> l.setTraining(training));
    refresh();
  }

  /** Pushes the active set to every layer and gradients to exactly the trainable active units. */
  private void refresh() {
    for (LoraLinear l : allLayers()) {
      l.setActive(l.adapterNames().stream().filter(active::contains).toList());
    }
    for (Map.Entry<String, Entry> e : adapters.entrySet()) {
      boolean grad = e.getValue().trainable && active.contains(e.getKey());
      for (LoraUnit u : units(e.getKey()).values()) {
        if (u.trainable() != grad) {
          u.setTrainable(grad);
        }
      }
    }
  }

  private Entry entry(String name) {
    Entry e = adapters.get(name);
    if (e == null) {
      throw new IllegalArgumentException(
          "no adapter '" + name + "'; adapters: " + adapters.keySet());
    }
    return e;
  }

  private void checkNew(String name) {
    if (name == null || name.isBlank() || name.contains(".")) {
      throw new IllegalArgumentException(
          "adapter name '" + name + "' must be non-blank and contain no '.'");
    }
    if (adapters.containsKey(name)) {
      throw new IllegalArgumentException("an adapter named '" + name + "' already exists");
    }
  }
}
