/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import ai.djl.ndarray.NDArray;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import io.persona4j.federated.lora.LoraParameters;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Selection of LoRA tensors by the decoder layer they belong to (which party owns them). */
public final class SplitParameters {
  private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");

  private SplitParameters() {}

  /**
   * The decoder layer a tensor name refers to ({@code ...model.layers.<i>....}).
   *
   * @throws IllegalArgumentException if the name names no layer
   */
  public static int layerOf(String name) {
    Matcher m = LAYER.matcher(name);
    if (!m.find()) {
      throw new IllegalArgumentException("tensor '" + name + "' belongs to no decoder layer");
    }
    return Integer.parseInt(m.group(1));
  }

  /**
   * Checks that {@code split} fits {@code model} (both parties' constructors check it).
   *
   * @throws IllegalArgumentException naming both layer counts otherwise
   */
  static void requireFits(SplitConfig split, LlamaModel model) {
    if (split.numLayers() != model.config().numHiddenLayers()) {
      throw new IllegalArgumentException(
          "split numLayers "
              + split.numLayers()
              + " != model layers "
              + model.config().numHiddenLayers());
    }
  }

  /**
   * Checks that {@code lora} holds {@code adapter}.
   *
   * @throws IllegalArgumentException naming the adapter and those there are otherwise
   */
  static void requireAdapter(LoraModel lora, String adapter) {
    if (!lora.adapters().contains(adapter)) {
      throw new IllegalArgumentException(
          "adapter '" + adapter + "' is not in the LoRA model " + lora.adapters());
    }
  }

  /** The entries of {@code all} on layers in {@code [from, to)}, in order. */
  public static Map<String, NDArray> ofLayers(Map<String, NDArray> all, int from, int to) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    all.forEach(
        (name, a) -> {
          int layer = layerOf(name);
          if (layer >= from && layer < to) {
            out.put(name, a);
          }
        });
    return out;
  }

  /**
   * A copy of adapter {@code adapter}'s tensors (as {@link LoraParameters#read}) on the layers that
   * {@code split} assigns to the client ({@code clientSide}) or to the server.
   */
  public static ParameterSet read(
      LoraModel lora, String adapter, SplitConfig split, boolean clientSide) {
    ParameterSet all = LoraParameters.read(lora, adapter);
    ParameterSet.Builder b = ParameterSet.builder();
    for (TensorSpec s : all.specs()) {
      if (split.clientOwns(layerOf(s.name())) == clientSide) {
        b.add(s, all.values(s.name()));
      }
    }
    return b.build();
  }
}
