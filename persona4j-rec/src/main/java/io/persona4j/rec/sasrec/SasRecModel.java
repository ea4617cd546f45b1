/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.train.Autograd;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * SASRec (Kang and McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018): a causal
 * Transformer over a user's item history whose last hidden state, dotted with every item embedding,
 * scores the next item.
 *
 * <p>Items are dense indices {@code 1..numItems}; 0 is padding. Histories are chronological {@code
 * int[]} arrays of any length >= 1: shorter than {@code maxLen} they are left-padded, longer they
 * keep their last {@code maxLen} items. See {@link SasRecNetwork} for the forward pass and {@link
 * SasRecWeights} for the tensor names of {@code model.safetensors}.
 *
 * <p>Inference methods run without dropout and without gradient recording, in chunks of {@value
 * #INFERENCE_BATCH} histories, and may be called from several threads. Training goes through {@link
 * SasRecTrainer}. Close the model to free its native memory.
 */
public final class SasRecModel implements AutoCloseable {
  /** Histories per forward pass in the inference methods. */
  public static final int INFERENCE_BATCH = 256;

  private final SasRecConfig config;
  private final SasRecWeights weights;
  private final SasRecNetwork network;

  private SasRecModel(SasRecConfig config, SasRecWeights weights) {
    this.config = config;
    this.weights = weights;
    this.network = new SasRecNetwork(config, weights);
  }

  /** A freshly initialised model (seed {@link SasRecConfig#seed()}). */
  public static SasRecModel create(SasRecConfig config) {
    return new SasRecModel(Objects.requireNonNull(config, "config"), SasRecWeights.init(config));
  }

  /** A freshly initialised model computing in {@code dtype} (FLOAT64 for gradient checks). */
  static SasRecModel create(SasRecConfig config, DataType dtype) {
    return new SasRecModel(config, SasRecWeights.init(config, dtype));
  }

  /** A FLOAT32 model holding {@code values} (all names of {@link SasRecWeights#shapes}). */
  static SasRecModel of(SasRecConfig config, Map<String, float[]> values) {
    return new SasRecModel(config, SasRecWeights.of(config, values, DataType.FLOAT32));
  }

  /**
   * Loads a directory written by {@link #save}: {@code sasrec_config.json} and {@code
   * model.safetensors}; the values are bit-identical to the saved ones.
   *
   * @throws IOException naming the file (and tensor) if either is missing, of another format
   *     version, or inconsistent with the other
   */
  public static SasRecModel load(Path dir) throws IOException {
    SasRecConfig config = SasRecConfigFile.read(dir.resolve(SasRecConfigFile.FILE_NAME));
    return of(config, SasRecFiles.readWeights(dir, config));
  }

  /**
   * Writes {@code model.safetensors} and {@code sasrec_config.json} to {@code dir} atomically (a
   * temporary directory renamed into place; see {@link SasRecFiles}).
   *
   * @throws IOException if writing fails or {@code dir} exists and is neither empty nor a SASRec
   *     model directory
   */
  public void save(Path dir) throws IOException {
    SasRecFiles.save(dir, config, weights);
  }

  public SasRecConfig config() {
    return config;
  }

  /** A FLOAT32 copy of the item embedding table {@code [numItems + 1, d]} on {@code manager}. */
  public NDArray itemEmbeddings(NDManager manager) {
    float[] v = weights.snapshotOf("item_emb.weight");
    try (NDArray tmp = manager.create(v, new Shape(config.numItems() + 1L, config.hiddenSize()))) {
      return tmp.duplicate();
    }
  }

  /** The item embedding table as {@code [numItems + 1][d]} (row 0 is padding: zeros). */
  public float[][] itemEmbeddingMatrix() {
    return rows(weights.snapshotOf("item_emb.weight"), config.hiddenSize());
  }

  /**
   * The hidden state at the last position of each history {@code [histories.length][d]} (the
   * user/sequence representation SASRec scores items with; iLoRA gates on it).
   *
   * @throws IllegalArgumentException naming the history if one is empty or holds an item outside
   *     {@code 1..numItems}
   */
  public float[][] sequenceRepresentation(int[][] histories) {
    PaddedBatch.validate(histories, config.numItems());
    int d = config.hiddenSize();
    float[][] out = new float[histories.length][];
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager scope = weights.manager().newSubManager()) {
      for (int start = 0; start < histories.length; start += INFERENCE_BATCH) {
        int n = Math.min(INFERENCE_BATCH, histories.length - start);
        try (NDManager m = scope.newSubManager()) {
          float[] flat = lastHidden(chunk(histories, start, n), m).toFloatArray();
          for (int r = 0; r < n; r++) {
            out[start + r] = Arrays.copyOfRange(flat, r * d, (r + 1) * d);
          }
        }
      }
    }
    return out;
  }

  /** {@link #sequenceRepresentation(int[][])} as a FLOAT32 array {@code [B, d]} on {@code m}. */
  public NDArray sequenceRepresentation(int[][] histories, NDManager m) {
    float[][] rows = sequenceRepresentation(histories);
    float[] flat = new float[rows.length * config.hiddenSize()];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * config.hiddenSize(), config.hiddenSize());
    }
    try (NDArray tmp = m.create(flat, new Shape(rows.length, config.hiddenSize()))) {
      return tmp.duplicate();
    }
  }

  /**
   * Scores of every item for each history, {@code [histories.length][numItems + 1]}: the dot
   * product of the last hidden state with each item embedding; column 0 (padding) is {@code
   * -Infinity}. Nothing is excluded (callers mask history items if they want).
   */
  public float[][] scoreAll(int[][] histories) {
    PaddedBatch.validate(histories, config.numItems());
    int cols = config.numItems() + 1;
    float[][] out = new float[histories.length][];
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager scope = weights.manager().newSubManager()) {
      NDArray table = weights.get("item_emb.weight").transpose(); // [d, N+1] view
      table.attach(scope);
      for (int start = 0; start < histories.length; start += INFERENCE_BATCH) {
        int n = Math.min(INFERENCE_BATCH, histories.length - start);
        try (NDManager m = scope.newSubManager()) {
          NDArray h = lastHidden(chunk(histories, start, n), m); // [n,d]
          float[] flat = SasRecNetwork.typed(h.matMul(table), DataType.FLOAT32).toFloatArray();
          for (int r = 0; r < n; r++) {
            float[] row = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
            row[0] = Float.NEGATIVE_INFINITY;
            out[start + r] = row;
          }
        }
      }
    }
    return out;
  }

  /**
   * The {@code k} best items for each history, best first (ties: lower item id first).
   *
   * @param excludeHistory whether items of the history itself are left out
   */
  public int[][] topK(int[][] histories, int k, boolean excludeHistory) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    float[][] scores = scoreAll(histories);
    int[][] out = new int[histories.length][];
    for (int i = 0; i < histories.length; i++) {
      float[] s = scores[i];
      if (excludeHistory) {
        for (int item : histories[i]) {
          s[item] = Float.NEGATIVE_INFINITY;
        }
      }
      out[i] = best(s, k);
    }
    return out;
  }

  /** Indices 1..n-1 of the {@code k} largest scores that are not -Infinity, best first. */
  static int[] best(float[] s, int k) {
    PriorityQueue<Integer> heap =
        new PriorityQueue<>(
            (a, b) -> {
              int c = Float.compare(s[a], s[b]);
              return c != 0 ? c : Integer.compare(b, a); // worst on top: low score, high id
            });
    for (int item = 1; item < s.length; item++) {
      if (s[item] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      heap.add(item);
      if (heap.size() > k) {
        heap.poll();
      }
    }
    int[] out = new int[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = heap.poll();
    }
    return out;
  }

  /** Hidden states of every position {@code [B, W, d]} (FLOAT32 or the model's dtype). */
  NDArray hiddenStates(int[][] histories, NDManager m) {
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      return network.forward(
          PaddedBatch.of(histories, config.maxLen(), config.numItems()), m, null);
    }
  }

  private NDArray lastHidden(int[][] histories, NDManager m) {
    NDArray h =
        network.forward(PaddedBatch.of(histories, config.maxLen(), config.numItems()), m, null);
    return SasRecNetwork.typed(h.get(new NDIndex(":, -1, :")), DataType.FLOAT32);
  }

  SasRecWeights weights() {
    return weights;
  }

  SasRecNetwork network() {
    return network;
  }

  private static int[][] chunk(int[][] histories, int start, int n) {
    return start == 0 && n == histories.length
        ? histories
        : Arrays.copyOfRange(histories, start, start + n);
  }

  private static float[][] rows(float[] flat, int d) {
    float[][] out = new float[flat.length / d][];
    for (int i = 0; i < out.length; i++) {
      out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

  @Override
  public void close() {
    weights.close();
  }
}
