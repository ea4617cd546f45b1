/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Set;

/**
 * Config of a Llama-style decoder: Llama 2/3, Mistral-like, Qwen2/2.5, SmolLM and TinyLlama.
 *
 * <p>Optional fields of config.json are filled with the Hugging Face defaults in the constructor,
 * so every accessor returns a value. Unsupported options fail with a message naming the field.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LlamaConfig(
    @JsonProperty("model_type") String modelType,
    @JsonProperty("vocab_size") int vocabSize,
    @JsonProperty("hidden_size") int hiddenSize,
    @JsonProperty("intermediate_size") int intermediateSize,
    @JsonProperty("num_hidden_layers") int numHiddenLayers,
    @JsonProperty("num_attention_heads") int numAttentionHeads,
    @JsonProperty("num_key_value_heads") Integer numKeyValueHeads,
    @JsonProperty("head_dim") Integer headDim,
    @JsonProperty("rms_norm_eps") Double rmsNormEps,
    @JsonProperty("rope_theta") Double ropeTheta,
    @JsonProperty("rope_scaling") RopeScaling ropeScaling,
    @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
    @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings,
    @JsonProperty("attention_bias") Boolean attentionBias,
    @JsonProperty("mlp_bias") Boolean mlpBias,
    @JsonProperty("hidden_act") String hiddenAct,
    @JsonProperty("bos_token_id") Integer bosTokenId,
    @JsonProperty("eos_token_id")
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<Integer> eosTokenId,
    @JsonProperty("pad_token_id") Integer padTokenId,
    @JsonProperty("sliding_window") Integer slidingWindow,
    @JsonProperty("use_sliding_window") Boolean useSlidingWindow,
    @JsonProperty("torch_dtype") String torchDtype,
    @JsonProperty("architectures") List<String> architectures)
    implements ModelConfig {

  /** The {@code model_type} values this record accepts. */
  public static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

  public LlamaConfig {
    ConfigException.require(
        modelType != null && MODEL_TYPES.contains(modelType),
        "model_type",
        modelType,
        "a Llama-style decoder needs one of " + MODEL_TYPES);
    ConfigException.require(vocabSize > 0, "vocab_size", vocabSize, "must be > 0");
    ConfigException.require(hiddenSize > 0, "hidden_size", hiddenSize, "must be > 0");
    ConfigException.require(
        intermediateSize > 0, "intermediate_size", intermediateSize, "must be > 0");
    ConfigException.require(
        numHiddenLayers > 0, "num_hidden_layers", numHiddenLayers, "must be > 0");
    ConfigException.require(
        numAttentionHeads > 0, "num_attention_heads", numAttentionHeads, "must be > 0");
    if (numKeyValueHeads == null) {
      numKeyValueHeads = numAttentionHeads;
    }
    ConfigException.require(
        numKeyValueHeads > 0 && numAttentionHeads % numKeyValueHeads == 0,
        "num_key_value_heads",
        numKeyValueHeads,
        "must be > 0 and divide num_attention_heads (" + numAttentionHeads + ")");
    if (headDim == null) {
      ConfigException.require(
          hiddenSize % numAttentionHeads == 0,
          "hidden_size",
          hiddenSize,
          "must be divisible by num_attention_heads (" + numAttentionHeads + ") without head_dim");
      headDim = hiddenSize / numAttentionHeads;
    }
    ConfigException.require(
        headDim > 0 && headDim % 2 == 0, "head_dim", headDim, "must be even and > 0 for RoPE");
    if (rmsNormEps == null) {
      rmsNormEps = 1e-6;
    }
    ConfigException.require(rmsNormEps > 0, "rms_norm_eps", rmsNormEps, "must be > 0");
    if (ropeTheta == null) {
      ropeTheta = 10000.0;
    }
    ConfigException.require(ropeTheta > 0, "rope_theta", ropeTheta, "must be > 0");
    if (maxPositionEmbeddings == null) {
      maxPositionEmbeddings = 2048;
    }
    ConfigException.require(
        maxPositionEmbeddings > 0, "max_position_embeddings", maxPositionEmbeddings, "must be > 0");
    if (tieWordEmbeddings == null) {
      tieWordEmbeddings = false;
    }
    if (attentionBias == null) {
      attentionBias = false;
    }
    if (mlpBias == null) {
      mlpBias = false;
    }
    ConfigException.require(!mlpBias, "mlp_bias", mlpBias, "MLP biases are not supported");
    if (hiddenAct == null) {
      hiddenAct = "silu";
    }
    ConfigException.require(
        hiddenAct.equals("silu"), "hidden_act", hiddenAct, "only 'silu' (SwiGLU) is supported");
    eosTokenId = eosTokenId == null ? List.of() : List.copyOf(eosTokenId);
    if (useSlidingWindow == null) {
      useSlidingWindow = !modelType.equals("qwen2") && slidingWindow != null;
    }
    ConfigException.require(
        !(modelType.equals("qwen2") && useSlidingWindow),
        "use_sliding_window",
        useSlidingWindow,
        "Qwen2's per-layer sliding window is not supported");
    ConfigException.require(
        slidingWindow == null || slidingWindow > 0, "sliding_window", slidingWindow, "must be > 0");
    if (torchDtype == null) {
      torchDtype = "float32";
    }
    if (architectures == null || architectures.isEmpty()) {
      architectures =
          List.of(
              switch (modelType) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                default -> "LlamaForCausalLM";
              });
    }
    architectures = List.copyOf(architectures);
  }

  /** Whether q/k/v projections carry a bias (always for Qwen2; {@code attention_bias} else). */
  @JsonIgnore
  public boolean qkvBias() {
    return modelType.equals("qwen2") || attentionBias;
  }

  /** Whether the output projection carries a bias (never for Qwen2). */
  @JsonIgnore
  public boolean outputBias() {
    return !modelType.equals("qwen2") && attentionBias;
  }

  /** Attention window in tokens (0 = full causal attention). */
  @JsonIgnore
  public int attentionWindow() {
    return useSlidingWindow && slidingWindow != null ? slidingWindow : 0;
  }

  /** Number of parameters, counting a tied embedding once. */
  @JsonIgnore
  public long parameterCount() {
    long h = hiddenSize;
    long q = (long) numAttentionHeads * headDim;
    long kv = (long) numKeyValueHeads * headDim;
    long attn = h * q + 2 * h * kv + q * h + (qkvBias() ? q + 2 * kv : 0) + (outputBias() ? h : 0);
    long mlp = 3 * h * intermediateSize;
    long layer = attn + mlp + 2 * h;
    long emb = (long) vocabSize * h;
    return numHiddenLayers * layer + h + emb + (tieWordEmbeddings ? 0 : emb);
  }
}
