/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.ModelConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.CheckpointWeights;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A BERT-style encoder (BERT, MiniLM, sentence-transformers models) as plain tensor code on DJL
 * NDArrays: embeddings, post-LN bidirectional transformer layers ({@link BertLayer}), mean pooling.
 *
 * <p>Weights use Hugging Face names and layouts (linear weights are {@code [out, in]}, so {@code y
 * = x W^T + b}), with or without a {@code bert.} prefix; see {@link BertWeights}. Shape comments
 * use B = batch, T = sequence length, H = hidden size, nh = heads, hd = head size, I =
 * intermediate.
 *
 * <p>Every temporary array of a call lives in a sub-manager that is closed before the call returns;
 * results are attached to the manager of the call's first argument. Calls keep no state between
 * them (the weights are only read); {@link #close()} frees the weights.
 */
public final class BertModel implements AutoCloseable, AdaptableModel {
  /** Batch size of {@link #embed} when none is given. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  private final BertConfig config;
  private final BertWeights w;

  private Path checkpointDirectory; // null unless loaded from a directory

  private BertModel(BertConfig config, BertWeights weights) {
    this.config = config;
    this.w = weights;
  }

  /**
   * Loads the encoder's weights from {@code source} onto a sub-manager of {@code manager}, checking
   * every tensor's presence and shape against {@code config}.
   *
   * @throws IOException naming the source and tensor if one is missing or has the wrong shape
   */
  public static BertModel load(BertConfig config, WeightSource source, NDManager manager)
      throws IOException {
    return new BertModel(config, BertWeights.load(config, source, manager));
  }

  /**
   * Loads a Hugging Face model directory: {@code config.json} (model_type {@code bert}) and its
   * safetensors checkpoint.
   */
  public static BertModel load(Path hfDir, NDManager manager) throws IOException {
    ModelConfig cfg = ModelConfigs.load(hfDir);
    if (!(cfg instanceof BertConfig bert)) {
      throw new IOException(
          hfDir + ": config.json has model_type '" + cfg.modelType() + "', expected 'bert'");
    }
    try (Checkpoint checkpoint = Checkpoint.open(hfDir)) {
      BertModel model = load(bert, new CheckpointWeights(checkpoint), manager);
      model.checkpointDirectory = hfDir;
      return model;
    }
  }

  public BertConfig config() {
    return config;
  }

  /** The encoder layers in order (their projections are the live ones, adapters included). */
  public List<BertLayer> layers() {
    return w.layers();
  }

  @Override
  public Optional<Path> checkpointDirectory() {
    return Optional.ofNullable(checkpointDirectory);
  }

  @Override
  public Map<String, Linear> linears() {
    return w.linears();
  }

  @Override
  public void replaceLinear(String path, Linear replacement) {
    w.replaceLinear(path, replacement);
  }

  /** The manager holding the weights (for tests that check nothing else lands there). */
  NDManager weightsManager() {
    return w.manager();
  }

  /**
   * Runs the encoder.
   *
   * @param inputIds token ids, [B, T], integer
   * @param attentionMask 1 for real tokens and 0 for padding, [B, T], any numeric type
   * @param tokenTypeIds segment ids, [B, T], or null for all zeros
   * @return the last hidden state [B, T, H] (FLOAT32) on the manager of {@code inputIds}; rows of
   *     padded positions hold values too but carry no meaning
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds) {
    Shape s = inputIds.getShape();
    if (s.dimension() != 2 || s.get(1) < 1) {
      throw new IllegalArgumentException("inputIds must be [B, T] with T >= 1, got " + s);
    }
    requireShape("attentionMask", attentionMask, s);
    NDManager caller = inputIds.getManager();
    try (NDManager scope = caller.newSubManager()) {
      NDArray ids = local(scope, inputIds, DataType.INT64); // [B,T]
      NDArray x = lookup(ids, w.wordEmbeddings()); // [B,T,H]
      NDArray out = forwardEmbeddings(x, attentionMask, tokenTypeIds); // [B,T,H]
      out.attach(caller);
      return out;
    }
  }

  /**
   * The word-embedding rows of token ids (the lookup that {@link #forward} starts with, before
   * position and token-type embeddings are added).
   *
   * @param inputIds token ids, [B, T], integer
   * @return [B, T, H] (FLOAT32) on the manager of {@code inputIds}
   */
  public NDArray wordEmbeddings(NDArray inputIds) {
    NDManager caller = inputIds.getManager();
    try (NDManager scope = caller.newSubManager()) {
      NDArray e = lookup(local(scope, inputIds, DataType.INT64), w.wordEmbeddings()); // [B,T,H]
      e.attach(caller);
      return e;
    }
  }

  /**
   * Runs the encoder from word embeddings instead of token ids: adds token-type and position
   * embeddings, then the embedding LayerNorm and every layer, exactly as {@link #forward} does
   * after its lookup; so {@code forward(ids) == forwardEmbeddings(wordEmbeddings(ids))}. Soft
   * prompts (learnable rows prepended to the word embeddings) use it; gradients flow into {@code
   * inputEmbeddings}.
   *
   * @param inputEmbeddings [B, T, H] float32 word embeddings (may require gradients)
   * @param attentionMask 1 for real positions and 0 for padding, [B, T], any numeric type
   * @param tokenTypeIds segment ids, [B, T], or null for all zeros
   * @return the last hidden state [B, T, H] on the manager of {@code inputEmbeddings}
   */
  public NDArray forwardEmbeddings(
      NDArray inputEmbeddings, NDArray attentionMask, NDArray tokenTypeIds) {
    Shape es = inputEmbeddings.getShape();
    if (es.dimension() != 3 || es.get(1) < 1 || es.get(2) != config.hiddenSize()) {
      throw new IllegalArgumentException(
          "inputEmbeddings must be [B, T, " + config.hiddenSize() + "] with T >= 1, got " + es);
    }
    Shape s = es.slice(0, 2);
    requireShape("attentionMask", attentionMask, s);
    if (tokenTypeIds != null) {
      requireShape("tokenTypeIds", tokenTypeIds, s);
    }
    long b = s.get(0);
    long t = s.get(1);
    if (t > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "sequence length " + t + " > max_position_embeddings " + config.maxPositionEmbeddings());
    }
    NDManager caller = inputEmbeddings.getManager();
    try (NDManager scope = caller.newSubManager()) {
      NDArray types =
          tokenTypeIds == null
              ? scope.zeros(s, DataType.INT64) // [B,T]
              : local(scope, tokenTypeIds, DataType.INT64); // [B,T]
      NDArray positions = scope.arange(0, (int) t, 1, DataType.INT64).expandDims(0); // [1,T]
      NDArray mask = local(scope, attentionMask, DataType.FLOAT32); // [B,T]

      // Embeddings: word + token type + position, then LayerNorm (dropout is off at inference).
      NDArray x = inputEmbeddings.add(lookup(types, w.tokenTypeEmbeddings())); // [B,T,H]
      x = x.add(lookup(positions, w.positionEmbeddings())); // [B,T,H] (positions broadcast)
      x = layerNorm(x, w.embeddingsNormWeight(), w.embeddingsNormBias()); // [B,T,H]

      // Additive key mask: 0 on real tokens, the most negative float on padding (as HF does).
      NDArray keyBias = mask.neg().add(1f).mul(-Float.MAX_VALUE).reshape(b, 1, 1, t); // [B,1,1,T]

      for (BertLayer layer : w.layers()) {
        x = layer.forward(x, keyBias); // [B,T,H]
      }
      x.attach(caller);
      return x;
    }
  }

  /**
   * Mean of the hidden states over the non-padded positions, as sentence-transformers pools.
   *
   * @param hidden [B, T, H]
   * @param attentionMask [B, T], 1 for real tokens
   * @return [B, H] on the manager of {@code hidden}
   */
  public static NDArray meanPool(NDArray hidden, NDArray attentionMask) {
    requireShape("attentionMask", attentionMask, hidden.getShape().slice(0, 2));
    NDManager caller = hidden.getManager();
    try (NDManager scope = caller.newSubManager()) {
      NDArray m = local(scope, attentionMask, DataType.FLOAT32).expandDims(-1); // [B,T,1]
      NDArray sum = m.mul(hidden).sum(new int[] {1}); // [B,H]
      NDArray count = m.sum(new int[] {1}).maximum(1e-9f); // [B,1]
      NDArray pooled = sum.div(count); // [B,H]
      pooled.attach(caller);
      return pooled;
    }
  }

  /**
   * Scales each row to unit L2 norm ({@code x / max(||x||, 1e-12)}), as sentence-transformers'
   * Normalize module does.
   *
   * @param embeddings [B, H]
   * @return [B, H] on the manager of {@code embeddings}
   */
  public static NDArray l2Normalize(NDArray embeddings) {
    NDManager caller = embeddings.getManager();
    try (NDManager scope = caller.newSubManager()) {
      NDArray x = local(scope, embeddings, DataType.FLOAT32); // [B,H]
      NDArray out = x.normalize(2, 1, 1e-12); // [B,H]
      out.attach(caller);
      return out;
    }
  }

  /**
   * Sentence embeddings of token-id sequences: sorted by length, run in padded batches, mean-pooled
   * and optionally L2-normalized. Returns one row per sequence, in input order.
   *
   * @param sequences token ids including any special tokens (e.g. [CLS] ... [SEP])
   * @param batchSize sequences per forward pass
   * @param normalize whether to L2-normalize the pooled embeddings
   */
  public float[][] embedIds(List<long[]> sequences, int batchSize, boolean normalize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    for (int i = 0; i < sequences.size(); i++) {
      long[] ids = sequences.get(i);
      if (ids.length == 0 || ids.length > config.maxPositionEmbeddings()) {
        throw new IllegalArgumentException(
            "sequence "
                + i
                + " has "
                + ids.length
                + " tokens; 1 to max_position_embeddings = "
                + config.maxPositionEmbeddings()
                + " are supported (truncate when tokenizing)");
      }
      for (long id : ids) {
        if (id < 0 || id >= config.vocabSize()) {
          throw new IllegalArgumentException(
              "sequence " + i + " has token id " + id + " outside [0, " + config.vocabSize() + ")");
        }
      }
    }
    Integer[] order = new Integer[sequences.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> -sequences.get(i).length));
    float[][] out = new float[sequences.size()][];
    try (NDManager scope = w.manager().newSubManager()) {
      for (int start = 0; start < order.length; start += batchSize) {
        int n = Math.min(batchSize, order.length - start);
        int t = sequences.get(order[start]).length; // longest first
        long[] ids = new long[n * t];
        long[] mask = new long[n * t];
        Arrays.fill(ids, config.padTokenId());
        for (int r = 0; r < n; r++) {
          long[] seq = sequences.get(order[start + r]);
          System.arraycopy(seq, 0, ids, r * t, seq.length);
          Arrays.fill(mask, r * t, r * t + seq.length, 1L);
        }
        try (NDManager batch = scope.newSubManager()) {
          NDArray idArr = batch.create(ids, new Shape(n, t)); // [n,t]
          NDArray maskArr = batch.create(mask, new Shape(n, t)); // [n,t]
          NDArray pooled = meanPool(forward(idArr, maskArr, null), maskArr); // [n,H]
          if (normalize) {
            pooled = l2Normalize(pooled); // [n,H]
          }
          float[] flat = pooled.toFloatArray();
          int h = config.hiddenSize();
          for (int r = 0; r < n; r++) {
            out[order[start + r]] = Arrays.copyOfRange(flat, r * h, (r + 1) * h);
          }
        }
      }
    }
    return out;
  }

  /**
   * Sentence embeddings of texts as sentence-transformers computes them for all-MiniLM-L6-v2: the
   * tokenizer's special tokens ([CLS] ... [SEP]), mean pooling, L2 normalization; sequences longer
   * than max_position_embeddings are truncated, batches of {@value #DEFAULT_BATCH_SIZE}.
   */
  public float[][] embed(Tokenizer tokenizer, List<String> texts) {
    return embed(tokenizer, texts, config.maxPositionEmbeddings(), DEFAULT_BATCH_SIZE, true);
  }

  /**
   * Sentence embeddings of texts, tokenized with special tokens and run in padded batches.
   *
   * @param maxTokens longer sequences are truncated to this many tokens, keeping a final special
   *     token (e.g. [SEP]) as Hugging Face truncation does; sentence-transformers uses 256 for
   *     all-MiniLM-L6-v2
   * @param batchSize sequences per forward pass
   * @param normalize whether to L2-normalize the mean-pooled embeddings
   */
  public float[][] embed(
      Tokenizer tokenizer, List<String> texts, int maxTokens, int batchSize, boolean normalize) {
    if (maxTokens < 2 || maxTokens > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "maxTokens must be in [2, " + config.maxPositionEmbeddings() + "], got " + maxTokens);
    }
    List<long[]> seqs = new ArrayList<>(texts.size());
    for (long[] ids : tokenizer.encodeAll(texts, true)) {
      if (ids.length > maxTokens) {
        long last = ids[ids.length - 1];
        ids = Arrays.copyOf(ids, maxTokens);
        if (tokenizer.isSpecial(last)) {
          ids[maxTokens - 1] = last;
        }
      }
      seqs.add(ids);
    }
    return embedIds(seqs, batchSize, normalize);
  }

  /** Frees the weights. */
  @Override
  public void close() {
    w.manager().close();
  }

  private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
    return BertLayer.layerNorm(x, gamma, beta, config);
  }

  private static NDArray lookup(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).head();
  }

  /** A copy of {@code a} as {@code type}, owned by {@code scope}. */
  private static NDArray local(NDManager scope, NDArray a, DataType type) {
    NDArray c = a.toType(type, true);
    c.attach(scope);
    return c;
  }

  private static void requireShape(String what, NDArray a, Shape expected) {
    if (!a.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          what + " has shape " + a.getShape() + ", expected " + expected);
    }
  }
}
