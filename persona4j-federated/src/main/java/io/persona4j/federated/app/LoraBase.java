/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.lora.LoraParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A frozen Llama-family base model (Hugging Face layout) with the one LoRA adapter a federated run
 * trains, loaded on first use. The server uses it for the adapter's initial values and to save the
 * result; clients train on it. Several clients of one process (a simulation) share one base: they
 * then train one after another ({@link io.persona4j.federated.lora.LoraClientApp} locks the {@link
 * LoraModel}).
 */
public final class LoraBase implements AutoCloseable {

  /** The adapter's name inside the {@link LoraModel}. */
  public static final String ADAPTER = "default";

  private final Path dir;
  private NDManager manager;
  private LlamaModel model;
  private Tokenizer tokenizer;
  private LoraModel lora;
  private LoraSettings settings;

  /** A base model in {@code dir} (not loaded yet). */
  public LoraBase(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  /** The model directory. */
  public Path directory() {
    return dir;
  }

  /**
   * Loads the model, its tokenizer and an empty LoRA model, once.
   *
   * @throws IOException if the directory does not hold a loadable model (naming the file)
   */
  public synchronized void ensureLoaded() throws IOException {
    if (manager != null) {
      return;
    }
    NDManager m = TensorRuntime.newManager();
    try {
      model = LlamaModel.load(dir, m);
      tokenizer = Tokenizer.fromDirectory(dir);
      lora = LoraModel.of(model, m);
      manager = m;
    } catch (IOException | RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
        tokenizer = null;
      }
      m.close();
      throw e;
    }
  }

  /** The base model (after {@link #ensureLoaded}). */
  public synchronized LlamaModel model() {
    requireLoaded();
    return model;
  }

  /** The base model's tokenizer (after {@link #ensureLoaded}). */
  public synchronized Tokenizer tokenizer() {
    requireLoaded();
    return tokenizer;
  }

  /** The LoRA model holding {@link #ADAPTER} (after {@link #ensureLoaded}). */
  public synchronized LoraModel lora() {
    requireLoaded();
    return lora;
  }

  /**
   * Adds the adapter with {@code settings}, initialized from {@code seed}, on the first call; later
   * calls must carry the same settings.
   *
   * @throws IllegalStateException if the settings differ from the first call's
   */
  public synchronized void ensureAdapter(LoraSettings settings, long seed) throws IOException {
    ensureLoaded();
    if (this.settings == null) {
      synchronized (lora) {
        lora.add(ADAPTER, settings.toLoraConfig(), seed);
      }
      this.settings = settings;
    } else if (!this.settings.equals(settings)) {
      throw new IllegalStateException(
          "the server changed the adapter settings from " + this.settings + " to " + settings);
    }
  }

  /**
   * The values an adapter with {@code settings} starts from when initialized from {@code seed}
   * (LoRA B zero, A random): the same for every call, whatever the adapter was trained to since.
   */
  public ParameterSet initialValues(LoraSettings settings, long seed) throws IOException {
    ensureLoaded();
    LoraModel l = lora();
    synchronized (l) {
      String scratch = ADAPTER + "-init";
      l.add(scratch, settings.toLoraConfig(), seed);
      try {
        return LoraParameters.read(l, scratch);
      } finally {
        l.delete(scratch);
      }
    }
  }

  /** The adapter's current values (after {@link #ensureAdapter}). */
  public ParameterSet readAdapter() {
    LoraModel l = lora();
    synchronized (l) {
      return LoraParameters.read(l, ADAPTER);
    }
  }

  /** Loads {@code values} into the adapter and saves it in PEFT layout into {@code out}. */
  public void saveAdapter(ParameterSet values, Path out) throws IOException {
    LoraModel l = lora();
    synchronized (l) {
      LoraParameters.load(l, ADAPTER, values);
      l.save(ADAPTER, out);
    }
  }

  private void requireLoaded() {
    if (manager == null) {
      throw new IllegalStateException("the base model in " + dir + " is not loaded yet");
    }
  }

  @Override
  public synchronized void close() {
    if (manager != null) {
      tokenizer.close();
      lora.close();
      model.close();
      manager.close();
      manager = null;
    }
  }
}
