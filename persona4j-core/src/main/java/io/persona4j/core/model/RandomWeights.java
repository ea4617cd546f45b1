/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.LlamaConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random weights in Hugging Face naming, for tiny test and demo checkpoints. Linear weights
 * are N(0, std^2); norm weights are 1 + N(0, 0.1^2) and biases N(0, 0.02^2) so that no parameter is
 * trivially neutral in tests.
 */
public final class RandomWeights {
  private RandomWeights() {}

  /** All tensors of a Llama-style decoder for {@code config}, in checkpoint order. */
  public static Map<String, FloatTensor> llama(LlamaConfig config, long seed, float std) {
    Gen g = new Gen(seed, std);
    long h = config.hiddenSize();
    long v = config.vocabSize();
    long q = (long) config.numAttentionHeads() * config.headDim();
    long kv = (long) config.numKeyValueHeads() * config.headDim();
    long inter = config.intermediateSize();
    Map<String, FloatTensor> w = new LinkedHashMap<>();
    w.put("model.embed_tokens.weight", g.normal(std, v, h));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      w.put(p + "input_layernorm.weight", g.norm(h));
      linear(w, g, p + "self_attn.q_proj", q, h, config.qkvBias());
      linear(w, g, p + "self_attn.k_proj", kv, h, config.qkvBias());
      linear(w, g, p + "self_attn.v_proj", kv, h, config.qkvBias());
      linear(w, g, p + "self_attn.o_proj", h, q, config.outputBias());
      w.put(p + "post_attention_layernorm.weight", g.norm(h));
      linear(w, g, p + "mlp.gate_proj", inter, h, false);
      linear(w, g, p + "mlp.up_proj", inter, h, false);
      linear(w, g, p + "mlp.down_proj", h, inter, false);
    }
    w.put("model.norm.weight", g.norm(h));
    if (!config.tieWordEmbeddings()) {
      w.put("lm_head.weight", g.normal(std, v, h));
    }
    return w;
  }

  /** All tensors of a BERT encoder for {@code config}, in HF {@code BertModel} naming. */
  public static Map<String, FloatTensor> bert(BertConfig config, long seed, float std) {
    Gen g = new Gen(seed, std);
    long h = config.hiddenSize();
    long inter = config.intermediateSize();
    Map<String, FloatTensor> w = new LinkedHashMap<>();
    w.put("embeddings.word_embeddings.weight", g.normal(std, config.vocabSize(), h));
    w.put(
        "embeddings.position_embeddings.weight", g.normal(std, config.maxPositionEmbeddings(), h));
    w.put("embeddings.token_type_embeddings.weight", g.normal(std, config.typeVocabSize(), h));
    w.put("embeddings.LayerNorm.weight", g.norm(h));
    w.put("embeddings.LayerNorm.bias", g.normal(0.02f, h));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "encoder.layer." + i + ".";
      linear(w, g, p + "attention.self.query", h, h, true);
      linear(w, g, p + "attention.self.key", h, h, true);
      linear(w, g, p + "attention.self.value", h, h, true);
      linear(w, g, p + "attention.output.dense", h, h, true);
      w.put(p + "attention.output.LayerNorm.weight", g.norm(h));
      w.put(p + "attention.output.LayerNorm.bias", g.normal(0.02f, h));
      linear(w, g, p + "intermediate.dense", inter, h, true);
      linear(w, g, p + "output.dense", h, inter, true);
      w.put(p + "output.LayerNorm.weight", g.norm(h));
      w.put(p + "output.LayerNorm.bias", g.normal(0.02f, h));
    }
    return w;
  }

  private static void linear(
      Map<String, FloatTensor> w, Gen g, String name, long out, long in, boolean bias) {
    w.put(name + ".weight", g.normal(g.std, out, in));
    if (bias) {
      w.put(name + ".bias", g.normal(0.02f, out));
    }
  }

  private static final class Gen {
    final SplittableRandom random;
    final float std;

    Gen(long seed, float std) {
      this.random = new SplittableRandom(seed);
      this.std = std;
    }

    FloatTensor normal(float s, long... shape) {
      float[] x = new float[Math.toIntExact(numel(shape))];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (gaussian() * s);
      }
      return new FloatTensor(shape, x);
    }

    FloatTensor norm(long n) {
      float[] x = new float[Math.toIntExact(n)];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (1 + 0.1 * gaussian());
      }
      return new FloatTensor(new long[] {n}, x);
    }

    private double gaussian() {
      // Box-Muller on the splittable stream (deterministic across JDKs).
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static long numel(long[] shape) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }
}
