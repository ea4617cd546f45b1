/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.Linear;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts LoRA adapters into a model's linear layers: each targeted layer is replaced by a {@link
 * LoraLinear} wrapping it (or, if it already is one, gets one more named adapter).
 */
public final class LoraInjector {
  private static final Logger LOG = LoggerFactory.getLogger(LoraInjector.class);

  private LoraInjector() {}

  /**
   * Makes the unit of an adapter on one module from its A, B and dropout. LoRA variants that scale
   * or gate differently from plain LoRA (e.g. {@code io.persona4j.adapters.moe}) pass their own;
   * {@link #standard} is PEFT's.
   */
  @FunctionalInterface
  public interface UnitFactory {
    /**
     * @param path the module path
     * @param a {@code [r, in]}
     * @param b {@code [out, r]}
     * @param dropout the unit's dropout (seeded per adapter and module)
     * @param parent the manager the unit's own manager hangs from
     */
    LoraUnit create(String path, NDArray a, NDArray b, LoraDropout dropout, NDManager parent);
  }

  /** Plain LoRA units with {@code config}'s per-module scale ({@link LoraConfig#scale}). */
  public static UnitFactory standard(LoraConfig config) {
    return (path, a, b, dropout, parent) -> new LoraUnit(parent, a, b, config.scale(path), dropout);
  }

  /**
   * Adds a new adapter {@code adapterName} to every layer {@code config} targets (see {@link
   * TargetSelector}), initialized as {@code config.initLoraWeights()} asks from {@code seed}.
   * Adapter weights live on sub-managers of each base weight's manager, freed by {@link
   * LoraLinear#remove} or when the model's manager closes. The new adapter is not activated.
   *
   * @return the targeted layers by module path, in model order
   * @throws IllegalArgumentException listing the model's module names if nothing matches, or if a
   *     targeted layer already has an adapter of that name; the model is then unchanged
   */
  public static Map<String, LoraLinear> inject(
      AdaptableModel model, LoraConfig config, String adapterName, long seed) {
    return inject(model, config, adapterName, seed, standard(config));
  }

  /**
   * As {@link #inject(AdaptableModel, LoraConfig, String, long)}, with units made by {@code
   * factory} (targets, ranks and initial values still come from {@code config}).
   */
  public static Map<String, LoraLinear> inject(
      AdaptableModel model, LoraConfig config, String adapterName, long seed, UnitFactory factory) {
    Map<String, Linear> linears = model.linears();
    List<String> targets = TargetSelector.select(config, linears.keySet());
    Map<String, LoraUnit> units = new LinkedHashMap<>();
    try {
      for (String path : targets) {
        Linear l = linears.get(path);
        checkFree(l, path, adapterName);
        int rank = config.rank(path);
        int in = Math.toIntExact(l.inFeatures());
        int out = Math.toIntExact(l.outFeatures());
        float[][] init =
            LoraInit.initial(config.initLoraWeights(), rank, in, out, seed, adapterName, path);
        NDManager m = l.weight().getManager();
        NDArray a = m.create(init[0], new Shape(rank, in));
        NDArray b = m.create(init[1], new Shape(out, rank));
        units.put(path, newUnit(factory, path, a, b, config, seed, adapterName, m));
      }
    } catch (RuntimeException e) {
      units.values().forEach(LoraUnit::close);
      throw e;
    }
    Map<String, LoraLinear> done = install(model, adapterName, units);
    LOG.info(
        "LoRA adapter '{}' (r={}, alpha={}, rslora={}): targeted {} of {} linear layers, {} trainable"
            + " parameters: {}",
        adapterName,
        config.r(),
        config.loraAlpha(),
        config.useRslora(),
        targets.size(),
        linears.size(),
        units.values().stream().mapToLong(LoraUnit::parameterCount).sum(),
        abbreviate(targets));
    return done;
  }

  /** A unit for module {@code path} from {@code factory}, with the config's dropout. */
  static LoraUnit newUnit(
      UnitFactory factory,
      String path,
      NDArray a,
      NDArray b,
      LoraConfig config,
      long seed,
      String adapterName,
      NDManager parent) {
    long dropoutSeed = LoraInit.stream(seed, adapterName, path, "dropout").nextLong();
    return factory.create(path, a, b, new LoraDropout(config.loraDropout(), dropoutSeed), parent);
  }

  /**
   * Installs ready units (all checked) under {@code adapterName}: wraps plain layers and replaces
   * them in the model.
   */
  static Map<String, LoraLinear> install(
      AdaptableModel model, String adapterName, Map<String, LoraUnit> units) {
    Map<String, Linear> linears = model.linears();
    for (String path : units.keySet()) {
      checkFree(linears.get(path), path, adapterName);
    }
    Map<String, LoraLinear> done = new LinkedHashMap<>();
    for (Map.Entry<String, LoraUnit> e : units.entrySet()) {
      String path = e.getKey();
      Linear l = linears.get(path);
      LoraLinear lora;
      if (l instanceof LoraLinear existing) {
        lora = existing;
      } else {
        lora = new LoraLinear(l);
        model.replaceLinear(path, lora);
      }
      lora.add(adapterName, e.getValue());
      done.put(path, lora);
    }
    return done;
  }

  private static void checkFree(Linear l, String path, String adapterName) {
    if (l == null) {
      throw new IllegalArgumentException("the model has no linear layer at '" + path + "'");
    }
    if (l instanceof LoraLinear lora && lora.unit(adapterName) != null) {
      throw new IllegalArgumentException(
          path + " already has an adapter named '" + adapterName + "'");
    }
  }

  static String abbreviate(List<String> paths) {
    return paths.size() <= 8
        ? paths.toString()
        : paths.subList(0, 8) + " and " + (paths.size() - 8) + " more";
  }
}
