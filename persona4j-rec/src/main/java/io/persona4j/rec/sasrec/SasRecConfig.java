/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.persona4j.core.config.ConfigException;

/**
 * Hyper-parameters of a SASRec model and its training, validated on construction (errors name the
 * field as it appears in {@code sasrec_config.json} and the value).
 *
 * <p>Build with {@link #builder()}; the defaults follow the reference implementations (Kang and
 * McAuley's TensorFlow code and its PyTorch port) except {@link #maxLen()}, which is 50 (LLaRA and
 * iLoRA use histories of 10; set it).
 *
 * @param numItems number of items; items are dense indices {@code 1..numItems}, 0 is padding
 * @param maxLen longest history the model reads (learned positions); longer ones keep their last
 *     {@code maxLen} items
 * @param hiddenSize width d of item, position and hidden vectors
 * @param numBlocks number of self-attention blocks
 * @param numHeads attention heads; must divide {@code hiddenSize}
 * @param dropout dropout rate on embeddings, attention probabilities and feed-forward layers
 * @param normFirst false: the reference code's block (query = LN(x), key/value = x, residual from
 *     LN(x)); true: the paper's eq. 4, pre-LN on both sub-layers with residual from x
 * @param learningRate Adam learning rate
 * @param batchSize training sequences per step
 * @param epochs maximum passes over the training sequences
 * @param l2 coefficient of {@code sum(item_emb^2)} added to the loss (0: none)
 * @param splitLongSequences false: each user contributes its last {@code maxLen + 1} items per
 *     epoch, as the reference code; true: each training sequence is cut into consecutive windows of
 *     {@code maxLen + 1} items overlapping by one, so every interaction is a target once per epoch
 * @param patience epochs without a better validation NDCG@10 before {@link SasRecTrainer} stops (0:
 *     never stop early; the best epoch's weights are kept either way)
 * @param seed seed of initialization, data order, negative sampling and dropout
 */
public record SasRecConfig(
    @JsonProperty("num_items") int numItems,
    @JsonProperty("max_len") int maxLen,
    @JsonProperty("hidden_size") int hiddenSize,
    @JsonProperty("num_blocks") int numBlocks,
    @JsonProperty("num_heads") int numHeads,
    @JsonProperty("dropout") double dropout,
    @JsonProperty("norm_first") boolean normFirst,
    @JsonProperty("learning_rate") double learningRate,
    @JsonProperty("batch_size") int batchSize,
    @JsonProperty("epochs") int epochs,
    @JsonProperty("l2") double l2,
    @JsonProperty("split_long_sequences") boolean splitLongSequences,
    @JsonProperty("patience") int patience,
    @JsonProperty("seed") long seed) {

  /** Default {@link #maxLen()}. */
  public static final int DEFAULT_MAX_LEN = 50;

  /** Validates every field. */
  public SasRecConfig {
    require(numItems >= 1, "num_items", numItems, "must be >= 1");
    require(numItems < Integer.MAX_VALUE, "num_items", numItems, "must be < 2^31 - 1");
    require(maxLen >= 1, "max_len", maxLen, "must be >= 1");
    require(hiddenSize >= 1, "hidden_size", hiddenSize, "must be >= 1");
    require(numBlocks >= 0, "num_blocks", numBlocks, "must be >= 0");
    require(numHeads >= 1, "num_heads", numHeads, "must be >= 1");
    require(
        hiddenSize % numHeads == 0,
        "num_heads",
        numHeads,
        "must divide hidden_size = " + hiddenSize);
    require(dropout >= 0 && dropout < 1, "dropout", dropout, "must be in [0, 1)");
    require(
        learningRate > 0 && Double.isFinite(learningRate),
        "learning_rate",
        learningRate,
        "must be > 0 and finite");
    require(batchSize >= 1, "batch_size", batchSize, "must be >= 1");
    require(epochs >= 0, "epochs", epochs, "must be >= 0");
    require(l2 >= 0 && Double.isFinite(l2), "l2", l2, "must be >= 0 and finite");
    require(patience >= 0, "patience", patience, "must be >= 0 (0: no early stopping)");
  }

  /** A builder with the defaults; {@link Builder#setNumItems} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Width of one attention head. */
  public int headDim() {
    return hiddenSize / numHeads;
  }

  private static void require(boolean ok, String field, Object value, String expectation) {
    if (!ok) {
      throw new ConfigException(
          "SASRec config field '" + field + "' = " + value + " is invalid: " + expectation);
    }
  }

  /**
   * Builds a {@link SasRecConfig}: {@code setNumItems} is required, the {@code optX} settings keep
   * the defaults listed on each; {@link #build()} validates.
   */
  public static final class Builder {
    private int numItems;
    private int maxLen = DEFAULT_MAX_LEN;
    private int hiddenSize = 64;
    private int numBlocks = 2;
    private int numHeads = 1;
    private double dropout = 0.2;
    private boolean normFirst;
    private double learningRate = 1e-3;
    private int batchSize = 128;
    private int epochs = 200;
    private double l2;
    private boolean splitLongSequences;
    private int patience = 20;
    private long seed = 42;

    private Builder() {}

    private Builder(SasRecConfig c) {
      numItems = c.numItems;
      maxLen = c.maxLen;
      hiddenSize = c.hiddenSize;
      numBlocks = c.numBlocks;
      numHeads = c.numHeads;
      dropout = c.dropout;
      normFirst = c.normFirst;
      learningRate = c.learningRate;
      batchSize = c.batchSize;
      epochs = c.epochs;
      l2 = c.l2;
      splitLongSequences = c.splitLongSequences;
      patience = c.patience;
      seed = c.seed;
    }

    /** Number of items (required). */
    public Builder setNumItems(int v) {
      numItems = v;
      return this;
    }

    /** Default 50. */
    public Builder optMaxLen(int v) {
      maxLen = v;
      return this;
    }

    /** Default 64. */
    public Builder optHiddenSize(int v) {
      hiddenSize = v;
      return this;
    }

    /** Default 2. */
    public Builder optNumBlocks(int v) {
      numBlocks = v;
      return this;
    }

    /** Default 1. */
    public Builder optNumHeads(int v) {
      numHeads = v;
      return this;
    }

    /** Default 0.2. */
    public Builder optDropout(double v) {
      dropout = v;
      return this;
    }

    /** Default false (the reference code's block). */
    public Builder optNormFirst(boolean v) {
      normFirst = v;
      return this;
    }

    /** Default 1e-3. */
    public Builder optLearningRate(double v) {
      learningRate = v;
      return this;
    }

    /** Default 128. */
    public Builder optBatchSize(int v) {
      batchSize = v;
      return this;
    }

    /** Default 200. */
    public Builder optEpochs(int v) {
      epochs = v;
      return this;
    }

    /** Default 0. */
    public Builder optL2(double v) {
      l2 = v;
      return this;
    }

    /** Default false (the reference code's last-window sampling). */
    public Builder optSplitLongSequences(boolean v) {
      splitLongSequences = v;
      return this;
    }

    /** Default 20 epochs. */
    public Builder optPatience(int v) {
      patience = v;
      return this;
    }

    /** Default 42. */
    public Builder optSeed(long v) {
      seed = v;
      return this;
    }

    public SasRecConfig build() {
      return new SasRecConfig(
          numItems,
          maxLen,
          hiddenSize,
          numBlocks,
          numHeads,
          dropout,
          normFirst,
          learningRate,
          batchSize,
          epochs,
          l2,
          splitLongSequences,
          patience,
          seed);
    }
  }
}
