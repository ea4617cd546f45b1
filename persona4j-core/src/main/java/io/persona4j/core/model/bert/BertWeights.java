/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.WeightLoader;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a {@link BertModel}, loaded and checked against the config. Names are Hugging
 * Face's ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query
 * .weight}, ...), optionally under a {@code bert.} prefix (BertForMaskedLM and friends); other
 * tensors in the source (pooler, heads, position_ids buffers) are ignored.
 */
final class BertWeights {
  private final NDManager manager;
  private final Map<String, NDArray> tensors;
  private final List<BertLayer> layers;

  private BertWeights(NDManager manager, Map<String, NDArray> tensors, List<BertLayer> layers) {
    this.manager = manager;
    this.tensors = tensors;
    this.layers = layers;
  }

  /** Tensor names (without prefix) and shapes a BERT encoder with this config reads, in order. */
  static Map<String, Shape> expectedShapes(BertConfig c) {
    long h = c.hiddenSize();
    long i = c.intermediateSize();
    Map<String, Shape> m = new LinkedHashMap<>();
    m.put("embeddings.word_embeddings.weight", new Shape(c.vocabSize(), h));
    m.put("embeddings.position_embeddings.weight", new Shape(c.maxPositionEmbeddings(), h));
    m.put("embeddings.token_type_embeddings.weight", new Shape(c.typeVocabSize(), h));
    m.put("embeddings.LayerNorm.weight", new Shape(h));
    m.put("embeddings.LayerNorm.bias", new Shape(h));
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "encoder.layer." + l + ".";
      for (String proj : List.of("query", "key", "value")) {
        m.put(p + "attention.self." + proj + ".weight", new Shape(h, h));
        m.put(p + "attention.self." + proj + ".bias", new Shape(h));
      }
      m.put(p + "attention.output.dense.weight", new Shape(h, h));
      m.put(p + "attention.output.dense.bias", new Shape(h));
      m.put(p + "attention.output.LayerNorm.weight", new Shape(h));
      m.put(p + "attention.output.LayerNorm.bias", new Shape(h));
      m.put(p + "intermediate.dense.weight", new Shape(i, h));
      m.put(p + "intermediate.dense.bias", new Shape(i));
      m.put(p + "output.dense.weight", new Shape(h, i));
      m.put(p + "output.dense.bias", new Shape(h));
      m.put(p + "output.LayerNorm.weight", new Shape(h));
      m.put(p + "output.LayerNorm.bias", new Shape(h));
    }
    return m;
  }

  /**
   * Checks every expected tensor's presence and shape first (reporting all problems at once), then
   * loads them onto a new sub-manager of {@code parent} through {@link WeightLoader}, which warns
   * about NaN or Inf values.
   */
  static BertWeights load(BertConfig config, WeightSource source, NDManager parent)
      throws IOException {
    Map<String, Shape> expected = expectedShapes(config);
    String prefix = source.contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      String name = prefix + e.getKey();
      if (!source.contains(name)) {
        problems.add("missing tensor '" + name + "' (expected shape " + fmt(e.getValue()) + ")");
        continue;
      }
      Shape got = source.shape(name);
      if (!got.equals(e.getValue())) {
        problems.add(
            "tensor '" + name + "' has shape " + fmt(got) + ", expected " + fmt(e.getValue()));
      }
    }
    if (!problems.isEmpty()) {
      String more =
          problems.size() == 1
              ? ""
              : " (and "
                  + (problems.size() - 1)
                  + " more: "
                  + String.join("; ", problems.subList(1, problems.size()))
                  + ")";
      throw new IOException(source.describe() + ": " + problems.get(0) + more);
    }
    NDManager manager = parent.newSubManager();
    try {
      WeightLoader loader = new WeightLoader(source, manager);
      Map<String, NDArray> t = new LinkedHashMap<>();
      for (Map.Entry<String, Shape> e : expected.entrySet()) {
        t.put(e.getKey(), loader.require(prefix + e.getKey(), e.getValue().getShape()));
      }
      BertLayer.Constants constants = BertLayer.Constants.on(manager, config);
      List<BertLayer> layers = new ArrayList<>();
      for (int l = 0; l < config.numHiddenLayers(); l++) {
        String p = "encoder.layer." + l + ".";
        Linear[] proj = new Linear[BertLayer.Proj.values().length];
        for (BertLayer.Proj pr : BertLayer.Proj.values()) {
          proj[pr.ordinal()] = linear(t, p + pr.suffix);
        }
        layers.add(
            new BertLayer(
                l,
                config,
                constants,
                proj,
                t.get(p + "attention.output.LayerNorm.weight"),
                t.get(p + "attention.output.LayerNorm.bias"),
                t.get(p + "output.LayerNorm.weight"),
                t.get(p + "output.LayerNorm.bias")));
      }
      return new BertWeights(manager, t, layers);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static Linear linear(Map<String, NDArray> t, String module) {
    return new Linear(module, t.get(module + ".weight"), t.get(module + ".bias"));
  }

  /** A shape as {@code [384, 384]}. */
  static String fmt(Shape s) {
    return Arrays.toString(s.getShape());
  }

  NDManager manager() {
    return manager;
  }

  List<BertLayer> layers() {
    return Collections.unmodifiableList(layers);
  }

  /** Every projection by HF module path ({@code encoder.layer.0.attention.self.query}, ...). */
  Map<String, Linear> linears() {
    Map<String, Linear> all = new LinkedHashMap<>();
    for (int l = 0; l < layers.size(); l++) {
      String p = "encoder.layer." + l + ".";
      layers.get(l).linears().forEach((suffix, lin) -> all.put(p + suffix, lin));
    }
    return all;
  }

  /** Replaces the projection at {@code path}; sizes must stay the same. */
  void replaceLinear(String path, Linear replacement) {
    Linear old = linears().get(path);
    if (old == null) {
      throw new IllegalArgumentException("no linear layer at module path '" + path + "'");
    }
    int l = Integer.parseInt(path.split("\\.")[2]);
    String suffix = path.substring(("encoder.layer." + l + ".").length());
    layers.get(l).setLinear(BertLayer.Proj.ofSuffix(suffix), replacement);
  }

  NDArray wordEmbeddings() {
    return tensors.get("embeddings.word_embeddings.weight");
  }

  NDArray positionEmbeddings() {
    return tensors.get("embeddings.position_embeddings.weight");
  }

  NDArray tokenTypeEmbeddings() {
    return tensors.get("embeddings.token_type_embeddings.weight");
  }

  NDArray embeddingsNormWeight() {
    return tensors.get("embeddings.LayerNorm.weight");
  }

  NDArray embeddingsNormBias() {
    return tensors.get("embeddings.LayerNorm.bias");
  }
}
