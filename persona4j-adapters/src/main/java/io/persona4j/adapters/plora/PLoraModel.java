/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraDropout;
import io.persona4j.adapters.lora.LoraInit;
import io.persona4j.adapters.lora.PeftKeys;
import io.persona4j.adapters.lora.TargetSelector;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PLoRA adapter on an {@link AdaptableModel} (a BERT encoder): a {@link PLoraLinear} on every
 * targeted layer, the shared {@code A, B, P}, the user table {@code E} ({@link UserTable}) and the
 * personalized dropout. A forward pass of the model is conditioned on a batch's users by {@link
 * #condition} (user vectors) or, merged, by cached per-user biases ({@link #conditionOnBiases}).
 *
 * <p>{@link #close()} frees the adapter and puts the model's original layers back. Not thread-safe:
 * one forward pass at a time.
 */
public final class PLoraModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PLoraModel.class);

  /** Adapter name in the seeded streams of new tensors and dropouts. */
  static final String STREAM = "plora";

  /** Key of the user table in {@link #trainableParameters()} (the authors' module name). */
  public static final String TABLE_KEY = "lora_embedding.weight";

  private final AdaptableModel model;
  private final NDManager manager;
  private final PLoraConfig config;
  private final Map<String, PLoraLinear> layers;
  private final UserTable users;
  private final PersonalizedDropout personalizedDropout;
  private final Conditioning conditioning;
  private final Map<String, NDArray> modulesToSave = new LinkedHashMap<>();
  private String baseModelFingerprint;
  private boolean closed;

  private PLoraModel(
      AdaptableModel model,
      NDManager manager,
      PLoraConfig config,
      Map<String, PLoraLinear> layers,
      UserTable users,
      Conditioning conditioning,
      long seed) {
    this.model = model;
    this.manager = manager;
    this.config = config;
    this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
    this.users = users;
    this.conditioning = conditioning;
    this.personalizedDropout =
        new PersonalizedDropout(
            config.pRate(), LoraInit.stream(seed, STREAM, "", "p_rate").nextLong());
    setTrainable(true, true);
  }

  /**
   * Injects a new PLoRA adapter into every layer {@code config} targets: A Kaiming-uniform ({@code
   * a = sqrt 5}), B zeros (so the model is unchanged), P Kaiming-uniform, all drawn from {@code
   * seed}; an empty user table. Trainable (A, B, P, E), in inference mode.
   *
   * @throws IllegalArgumentException listing the model's modules if nothing matches
   */
  public static PLoraModel create(
      AdaptableModel model, PLoraConfig config, long seed, NDManager parent) {
    Map<String, Linear> linears = model.linears();
    List<String> targets = TargetSelector.select(config.lora(), linears.keySet());
    Map<String, float[][]> init = new LinkedHashMap<>();
    for (String path : targets) {
      Linear l = requirePlain(linears.get(path), path);
      int r = config.lora().rank(path);
      int in = Math.toIntExact(l.inFeatures());
      int out = Math.toIntExact(l.outFeatures());
      float[] a = LoraInit.kaimingUniform(r, in, LoraInit.stream(seed, STREAM, path, "A"));
      float[] p =
          LoraInit.kaimingUniform(r, config.userDim(), LoraInit.stream(seed, STREAM, path, "P"));
      init.put(path, new float[][] {a, new float[out * r], p});
    }
    NDManager m = parent.newSubManager();
    PLoraModel pm;
    try {
      pm = assemble(model, m, config, init, UserTable.empty(config.userDim(), m), seed);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    LOG.info(
        "PLoRA adapter (r={}, alpha={}, d_u={}, p_rate={}, mim={}): {} of {} linear layers",
        config.lora().r(),
        config.lora().loraAlpha(),
        config.userDim(),
        config.pRate(),
        config.mim(),
        targets.size(),
        linears.size());
    return pm;
  }

  /**
   * Loads a PLoRA adapter directory written by {@link #save} (see {@link PLoraFiles}), checked in
   * full before the model changes; frozen (see {@link #setTrainable}), in inference mode.
   *
   * @param seed seed of the dropout streams (used only if trained further)
   */
  public static PLoraModel load(AdaptableModel model, Path dir, long seed, NDManager parent)
      throws IOException {
    NDManager m = parent.newSubManager();
    try {
      PLoraFiles.Prepared p = PLoraFiles.read(model, dir, m);
      PLoraModel pm = assemble(model, m, p.config(), p.tensors(), p.users(), seed);
      pm.baseModelFingerprint = p.baseModelFingerprint();
      pm.modulesToSave.putAll(p.modulesToSave());
      pm.setTrainable(false, false); // loaded adapters are frozen until asked otherwise
      return pm;
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Builds the layers from host values (A, B, P per path) and installs them. */
  private static PLoraModel assemble(
      AdaptableModel model,
      NDManager manager,
      PLoraConfig config,
      Map<String, float[][]> tensors,
      UserTable users,
      long seed) {
    Map<String, Linear> linears = model.linears();
    Conditioning conditioning = new Conditioning();
    Map<String, PLoraLinear> layers = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, float[][]> e : tensors.entrySet()) {
        String path = e.getKey();
        Linear l = requirePlain(linears.get(path), path);
        int r = config.lora().rank(path);
        NDManager m = l.weight().getManager();
        NDArray a = m.create(e.getValue()[0], new Shape(r, l.inFeatures()));
        NDArray b = m.create(e.getValue()[1], new Shape(l.outFeatures(), r));
        NDArray p = m.create(e.getValue()[2], new Shape(r, config.userDim()));
        double drop = config.lora().loraDropout();
        LoraDropout d1 =
            new LoraDropout(drop, LoraInit.stream(seed, STREAM, path, "dropout").nextLong());
        LoraDropout d2 =
            new LoraDropout(drop, LoraInit.stream(seed, STREAM, path, "user_dropout").nextLong());
        layers.put(
            path, new PLoraLinear(l, a, b, p, config.lora().scale(path), d1, d2, conditioning));
      }
    } catch (RuntimeException e) {
      layers.values().forEach(PLoraLinear::close);
      throw e;
    }
    layers.forEach(model::replaceLinear);
    return new PLoraModel(model, manager, config, layers, users, conditioning, seed);
  }

  private static Linear requirePlain(Linear l, String path) {
    if (l == null) {
      throw new IllegalArgumentException("the model has no linear layer at '" + path + "'");
    }
    if (l instanceof PLoraLinear) {
      throw new IllegalArgumentException(path + " already has a PLoRA adapter");
    }
    if (l.getClass() != Linear.class) {
      throw new IllegalArgumentException(
          path
              + " is already adapted ("
              + l.getClass().getSimpleName()
              + "); PLoRA needs a plain layer");
    }
    return l;
  }

  /** The adapted model. */
  public AdaptableModel model() {
    return model;
  }

  public PLoraConfig config() {
    return config;
  }

  /** The adapted layers by module path, in model order. */
  public Map<String, PLoraLinear> layers() {
    return layers;
  }

  /** The user table E. */
  public UserTable users() {
    return users;
  }

  /** The personalized dropout of training samples' user vectors. */
  public PersonalizedDropout personalizedDropout() {
    return personalizedDropout;
  }

  /** The base model's {@link ModelFingerprint}, recorded on save, or null if unknown. */
  public String baseModelFingerprint() {
    return baseModelFingerprint;
  }

  /** Sets the base model's fingerprint (e.g. {@code ModelFingerprint.of(modelDir)}). */
  public PLoraModel setBaseModelFingerprint(String fingerprint) {
    this.baseModelFingerprint =
        fingerprint == null ? null : ModelFingerprint.requireWellFormed(fingerprint, "fingerprint");
    return this;
  }

  /**
   * The {@code modules_to_save} tensors this adapter was loaded with (by parameter path, e.g.
   * {@code classifier.weight}); empty for a new adapter.
   */
  public Map<String, NDArray> modulesToSave() {
    return Collections.unmodifiableMap(modulesToSave);
  }

  /** Training mode (both dropouts on) or inference mode (the default). */
  public void train(boolean training) {
    conditioning.setTraining(training);
  }

  /** Whether in training mode. */
  public boolean training() {
    return conditioning.training();
  }

  /**
   * Which tensors record gradients: the shared A, B, P ({@code shared}) and the user table ({@code
   * table}). Few-shot enrolment trains neither (only a new vector).
   */
  public void setTrainable(boolean shared, boolean table) {
    layers.values().forEach(l -> l.setTrainable(shared));
    if (users.table() != null) {
      users.table().setRequiresGradient(table);
    }
  }

  /**
   * A, B and P of every layer by PEFT-style in-memory names ({@code
   * base_model.model.<path>.lora_A.weight}, {@code lora_B}, {@code lora_P}) and the user table as
   * {@value #TABLE_KEY} (if it has users).
   */
  public Map<String, NDArray> trainableParameters() {
    Map<String, NDArray> out = sharedParameters();
    if (users.table() != null) {
      out.put(TABLE_KEY, users.table());
    }
    return out;
  }

  /** A, B and P of every layer by their saved keys (see {@link PLoraFiles}). */
  public Map<String, NDArray> sharedParameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    layers.forEach(
        (path, l) -> {
          out.put(PeftKeys.loraA(path), l.a());
          out.put(PeftKeys.loraB(path), l.b());
          out.put(PLoraFiles.loraP(path), l.p());
        });
    return out;
  }

  /**
   * Conditions forward passes on {@code vectors [B, d_u]} (null: no user, the user term is dropped)
   * until the returned scope closes.
   */
  public Scope condition(NDArray vectors) {
    if (vectors != null
        && (vectors.getShape().dimension() != 2 || vectors.getShape().get(1) != config.userDim())) {
      throw new IllegalArgumentException(
          "user vectors must be [B, " + config.userDim() + "], got " + vectors.getShape());
    }
    conditioning.set(vectors, null);
    return new Scope();
  }

  /**
   * Conditions forward passes of the merged model on per-layer user biases {@code [B, out]} (rows
   * stacked from {@link #userBiases} of each row's user, zeros for rows without one).
   *
   * @throws IllegalStateException if the adapter is not merged
   * @throws IllegalArgumentException if a layer's bias is missing
   */
  public Scope conditionOnBiases(Map<String, NDArray> biases) {
    if (!isMerged()) {
      throw new IllegalStateException(
          "per-user biases apply to a merged PLoRA model; merge() first");
    }
    for (String path : layers.keySet()) {
      if (!biases.containsKey(path)) {
        throw new IllegalArgumentException("no user bias for layer " + path);
      }
    }
    conditioning.set(null, Map.copyOf(biases));
    return new Scope();
  }

  /** Starts recording every layer's LoRA output with and without the user (the MI term's MSE). */
  void startMiRecording(NDManager keep) {
    conditioning.startMiRecording(keep);
  }

  /** The recorded (with user, without user) pairs, in layer order; stops recording. */
  List<NDArray[]> takeMiPairs() {
    return conditioning.takeMiPairs();
  }

  /**
   * The user term of every layer for a user whose vector is {@code v}: {@code s B P v [out]} by
   * module path. A server caches these per user: a merged model adds them per row.
   */
  public Map<String, float[]> userBiases(float[] v) {
    Map<String, float[]> out = new LinkedHashMap<>();
    layers.forEach((path, l) -> out.put(path, l.userBias(v)));
    return out;
  }

  /** Folds {@code s B A} of every layer into its base weight (in place, exactly undone later). */
  public void merge() {
    if (training()) {
      throw new IllegalStateException("cannot merge in training mode");
    }
    layers.values().forEach(PLoraLinear::merge);
  }

  /** Restores every base weight exactly. */
  public void unmerge() {
    layers.values().forEach(PLoraLinear::unmerge);
  }

  /** Whether the layers are merged. */
  public boolean isMerged() {
    return layers.values().stream().anyMatch(PLoraLinear::merged);
  }

  /**
   * Reseeds both dropouts of every layer and the personalized dropout for step {@code step} of a
   * run seeded {@code seed}, so a step's masks do not depend on how many steps ran in this process.
   */
  public void reseed(long seed, long step) {
    for (Map.Entry<String, PLoraLinear> e : layers.entrySet()) {
      long s = LoraInit.stream(seed, STREAM, e.getKey(), "step").nextLong();
      SplittableRandom r = new SplittableRandom(s + step);
      e.getValue().inputDropout().reseed(r.nextLong());
      e.getValue().userDropout().reseed(r.nextLong());
    }
    personalizedDropout.reseed(
        new SplittableRandom(LoraInit.stream(seed, STREAM, "", "p_rate").nextLong() + step)
            .nextLong());
  }

  /**
   * Saves the adapter (see {@link PLoraFiles}): shared part in PEFT layout with {@code P} and the
   * given {@code modules_to_save} tensors (e.g. the head), {@value PLoraFiles#CONFIG_FILE}, and the
   * user table.
   */
  public void save(Path dir, Map<String, NDArray> modulesToSave) throws IOException {
    PLoraFiles.write(dir, this, modulesToSave);
  }

  /** Unmerges, frees A, B, P and the table, and restores the model's original layers. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    conditioning.clear();
    for (Map.Entry<String, PLoraLinear> e : layers.entrySet()) {
      e.getValue().close();
      model.replaceLinear(e.getKey(), e.getValue().base());
    }
    users.close();
    manager.close();
  }

  /** Clears the conditioning of a forward pass when closed. */
  public final class Scope implements AutoCloseable {
    private Scope() {}

    @Override
    public void close() {
      conditioning.clear();
    }
  }
}
