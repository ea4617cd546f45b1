/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Set;

/** Config of a BERT-style encoder (BERT, MiniLM, all-MiniLM-L6-v2). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BertConfig(
    @JsonProperty("model_type") String modelType,
    @JsonProperty("vocab_size") int vocabSize,
    @JsonProperty("hidden_size") int hiddenSize,
    @JsonProperty("num_hidden_layers") int numHiddenLayers,
    @JsonProperty("num_attention_heads") int numAttentionHeads,
    @JsonProperty("intermediate_size") int intermediateSize,
    @JsonProperty("hidden_act") String hiddenAct,
    @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
    @JsonProperty("type_vocab_size") Integer typeVocabSize,
    @JsonProperty("layer_norm_eps") Double layerNormEps,
    @JsonProperty("pad_token_id") Integer padTokenId,
    @JsonProperty("position_embedding_type") String positionEmbeddingType,
    @JsonProperty("torch_dtype") String torchDtype,
    @JsonProperty("architectures") List<String> architectures)
    implements ModelConfig {

  /** Activations accepted for the MLP: exact (erf) GELU and its tanh approximation. */
  public static final Set<String> ACTIVATIONS = Set.of("gelu", "gelu_new", "gelu_pytorch_tanh");

  public BertConfig {
    ConfigException.require(
        "bert".equals(modelType), "model_type", modelType, "a BERT encoder needs 'bert'");
    ConfigException.require(vocabSize > 0, "vocab_size", vocabSize, "must be > 0");
    ConfigException.require(hiddenSize > 0, "hidden_size", hiddenSize, "must be > 0");
    ConfigException.require(
        numHiddenLayers > 0, "num_hidden_layers", numHiddenLayers, "must be > 0");
    ConfigException.require(
        numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0,
        "num_attention_heads",
        numAttentionHeads,
        "must be > 0 and divide hidden_size (" + hiddenSize + ")");
    ConfigException.require(
        intermediateSize > 0, "intermediate_size", intermediateSize, "must be > 0");
    if (hiddenAct == null) {
      hiddenAct = "gelu";
    }
    ConfigException.require(
        ACTIVATIONS.contains(hiddenAct), "hidden_act", hiddenAct, "supported: " + ACTIVATIONS);
    if (maxPositionEmbeddings == null) {
      maxPositionEmbeddings = 512;
    }
    ConfigException.require(
        maxPositionEmbeddings > 0, "max_position_embeddings", maxPositionEmbeddings, "must be > 0");
    if (typeVocabSize == null) {
      typeVocabSize = 2;
    }
    ConfigException.require(typeVocabSize > 0, "type_vocab_size", typeVocabSize, "must be > 0");
    if (layerNormEps == null) {
      layerNormEps = 1e-12;
    }
    ConfigException.require(layerNormEps > 0, "layer_norm_eps", layerNormEps, "must be > 0");
    if (padTokenId == null) {
      padTokenId = 0;
    }
    if (positionEmbeddingType == null) {
      positionEmbeddingType = "absolute";
    }
    ConfigException.require(
        positionEmbeddingType.equals("absolute"),
        "position_embedding_type",
        positionEmbeddingType,
        "only 'absolute' is supported");
    if (torchDtype == null) {
      torchDtype = "float32";
    }
    architectures =
        architectures == null || architectures.isEmpty()
            ? List.of("BertModel")
            : List.copyOf(architectures);
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
