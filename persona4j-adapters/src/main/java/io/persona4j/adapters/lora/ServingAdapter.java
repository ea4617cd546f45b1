/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.model.AdaptableModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A LoRA adapter loaded for serving: read-only weights laid out for {@link MultiLora}, which runs
 * rows of many such adapters in one forward pass. Loading validates exactly as {@link
 * LoraModel#load} does (config, tensor names, shapes against the model, NaN/Inf) but installs
 * nothing in the model: any number of adapters may be loaded at once, and each is only referenced
 * by the rows that use it.
 *
 * <p>Per target module it keeps {@code A^T [in, r]} and {@code scale * B^T [r, out]} (contiguous,
 * the layout of the batched matmuls); plus the adapter's {@code modules_to_save} (e.g. a
 * classification head). Its memory is {@link #bytes()}. Immutable and safe to share across threads
 * once loaded; {@link #close()} frees it (its owner, e.g. an adapter cache, does so once no row
 * uses it).
 */
public final class ServingAdapter implements AutoCloseable {
  /**
   * One target module's factors.
   *
   * @param aT {@code A^T [in, r]}
   * @param scaledBT {@code scale * B^T [r, out]}
   * @param scale alpha / r (or alpha / sqrt(r) with rsLoRA), already applied to {@code scaledBT}
   */
  public record Part(NDArray aT, NDArray scaledBT, double scale) {
    /** The rank r. */
    public int rank() {
      return Math.toIntExact(aT.getShape().get(1));
    }

    public long inFeatures() {
      return aT.getShape().get(0);
    }

    public long outFeatures() {
      return scaledBT.getShape().get(1);
    }
  }

  private final String name;
  private final NDManager manager;
  private final LoraConfig config;
  private final Map<String, Part> parts;
  private final Map<String, NDArray> modulesToSave;
  private final AdapterProvenance provenance;
  private final long bytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ServingAdapter(
      String name,
      NDManager manager,
      LoraConfig config,
      Map<String, Part> parts,
      Map<String, NDArray> modulesToSave,
      AdapterProvenance provenance) {
    this.name = name;
    this.manager = manager;
    this.config = config;
    this.parts = Collections.unmodifiableMap(parts);
    this.modulesToSave = Collections.unmodifiableMap(modulesToSave);
    this.provenance = provenance;
    long b = 0;
    for (Part p : parts.values()) {
      b += (p.aT().size() + p.scaledBT().size()) * 4;
    }
    for (NDArray a : modulesToSave.values()) {
      b += a.size() * a.getDataType().getNumOfBytes();
    }
    this.bytes = b;
  }

  /**
   * Loads the PEFT adapter directory {@code dir} for {@code model}.
   *
   * @param name how the adapter is called in messages and metrics (e.g. {@code alice@3})
   * @param parent the adapter's arrays live on a sub-manager of it, freed by {@link #close()}
   * @throws IOException naming the file and tensor for unknown, missing, misshapen or non-finite
   *     tensors, or a config that is invalid
   * @throws IllegalArgumentException for an adapter this path cannot serve (a per-sequence gated
   *     mixture of LoRA experts)
   */
  public static ServingAdapter load(AdaptableModel model, Path dir, String name, NDManager parent)
      throws IOException {
    NDManager m = parent.newSubManager();
    PeftAdapterFiles.Prepared p = null;
    try {
      p = PeftAdapterFiles.read(model, dir, "serving", 0, m, null);
      Map<String, Part> parts = new LinkedHashMap<>();
      for (Map.Entry<String, LoraUnit> e : p.units().entrySet()) {
        LoraUnit u = e.getValue();
        if (u.gate() != null) {
          throw new IllegalArgumentException(
              dir + ": " + e.getKey() + " has a per-sequence gate; serve it with its own model");
        }
        NDArray aT = transposed(u.a(), 1f, m);
        NDArray sbT = transposed(u.b(), (float) u.scale(), m);
        parts.put(e.getKey(), new Part(aT, sbT, u.scale()));
      }
      return new ServingAdapter(name, m, p.config(), parts, p.modulesToSave(), p.provenance());
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    } finally {
      if (p != null) {
        p.units().values().forEach(LoraUnit::close); // copies kept above
      }
    }
  }

  /** A contiguous transposed copy of a 2-D array times {@code factor}, on {@code m}. */
  private static NDArray transposed(NDArray x, float factor, NDManager m) {
    long rows = x.getShape().get(0);
    long cols = x.getShape().get(1);
    float[] v = x.toFloatArray();
    float[] t = new float[v.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[(int) (j * rows + i)] = v[(int) (i * cols + j)] * factor;
      }
    }
    return m.create(t, new Shape(cols, rows));
  }

  public String name() {
    return name;
  }

  public LoraConfig config() {
    return config;
  }

  /** The factors by target module path, in model order. */
  public Map<String, Part> parts() {
    return parts;
  }

  /** The {@code modules_to_save} tensors by parameter path (e.g. {@code classifier.weight}). */
  public Map<String, NDArray> modulesToSave() {
    return modulesToSave;
  }

  /** The Persona4j provenance, or null for an adapter written by PEFT. */
  public AdapterProvenance provenance() {
    return provenance;
  }

  /** Bytes of its arrays (factors and modules_to_save). */
  public long bytes() {
    return bytes;
  }

  public boolean isClosed() {
    return closed.get();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      manager.close();
    }
  }

  @Override
  public String toString() {
    return "ServingAdapter[" + name + ", " + parts.size() + " modules, " + bytes + " bytes]";
  }
}
