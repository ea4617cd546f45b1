/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates tiny random checkpoints in Hugging Face layout (config.json, model.safetensors,
 * tokenizer.json) for every supported family: the fixtures of tests, benchmarks and the demo.
 */
public final class ModelInit {
  /** Token ids of the generated tokenizers' special tokens. */
  public static final int PAD = 0;

  public static final int BOS = 1;
  public static final int EOS = 2;

  private ModelInit() {}

  /**
   * A decoder config of {@code family} (llama, mistral or qwen2) with Persona4j's generated
   * tokenizer's special ids. {@code intermediate <= 0} picks {@code 8/3 * hidden} rounded up to 32.
   */
  public static LlamaConfig decoderConfig(
      String family,
      int layers,
      int hidden,
      int heads,
      int kvHeads,
      int vocab,
      int intermediate,
      int maxPositions) {
    int inter = intermediate > 0 ? intermediate : ((hidden * 8 / 3 + 31) / 32) * 32;
    boolean qwen = family.equals("qwen2");
    return new LlamaConfig(
        family,
        vocab,
        hidden,
        inter,
        layers,
        heads,
        kvHeads,
        null,
        qwen ? 1e-6 : 1e-5,
        qwen ? 1_000_000.0 : 10_000.0,
        null,
        maxPositions,
        qwen,
        false,
        false,
        "silu",
        BOS,
        List.of(EOS),
        PAD,
        null,
        qwen ? false : null,
        "float32",
        null);
  }

  /** A BERT encoder config. {@code intermediate <= 0} picks {@code 4 * hidden}. */
  public static BertConfig encoderConfig(
      int layers, int hidden, int heads, int vocab, int intermediate, int maxPositions) {
    return new BertConfig(
        "bert",
        vocab,
        hidden,
        layers,
        heads,
        intermediate > 0 ? intermediate : 4 * hidden,
        "gelu",
        maxPositions,
        2,
        1e-12,
        0,
        "absolute",
        "float32",
        null);
  }

  /**
   * Writes a random checkpoint of {@code config} to {@code out}.
   *
   * @param std standard deviation of linear and embedding weights (HF uses 0.02)
   * @param dtype F32, F16 or BF16 for the stored weights
   */
  public static void write(ModelConfig config, long seed, float std, DType dtype, Path out)
      throws IOException {
    if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
      throw new IllegalArgumentException("weights can be stored as F32, F16 or BF16, not " + dtype);
    }
    Files.createDirectories(out);
    Map<String, FloatTensor> weights =
        switch (config) {
          case LlamaConfig c -> RandomWeights.llama(c, seed, std);
          case BertConfig c -> RandomWeights.bert(c, seed, std);
        };
    Map<String, HostTensor> host = new LinkedHashMap<>();
    weights.forEach((name, t) -> host.put(name, HostTensor.of(dtype, t.shape(), t.values())));
    SafetensorsWriter.write(out.resolve("model.safetensors"), host, Provenance.metadata());
    ModelConfigs.save(config, out);
    Path tokenizer = out.resolve("tokenizer.json");
    switch (config) {
      case LlamaConfig c ->
          TokenizerJsonWriter.writeByteLevelBpe(tokenizer, c.vocabSize(), List.of());
      case BertConfig c ->
          TokenizerJsonWriter.writeWordPiece(
              tokenizer, TokenizerJsonWriter.defaultWordPieceVocab(c.vocabSize()), true);
    }
  }
}
