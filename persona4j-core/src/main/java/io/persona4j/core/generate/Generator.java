/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Autoregressive generation with a KV cache for a batch of prompts of different lengths.
 *
 * <p>Prompts are left-padded to a common length; padding is masked out of attention and RoPE
 * positions count real tokens only, so each row computes exactly what it would compute alone.
 *
 * <p>Prompts are token ids ({@link #generate}) or input embeddings ({@link
 * #generateFromEmbeddings}, for prompts with rows that are no token, e.g. LLaRA's hybrid item
 * embeddings); both run the same decoding loop.
 */
public final class Generator {
  /** An extra stop condition, checked after each new token of a row. */
  @FunctionalInterface
  public interface StopCondition {
    /** No extra condition: rows stop on a stop token or at the token limit. */
    StopCondition NONE = (row, generated) -> false;

    /**
     * Whether row {@code row} stops after the tokens it generated so far ({@code generated}, the
     * newest last).
     */
    boolean stop(int row, long[] generated);
  }

  /**
   * Changes a row's next-token logits in place before the token is chosen (e.g. constrained
   * decoding sets the logits of disallowed tokens to negative infinity).
   */
  @FunctionalInterface
  public interface LogitsFilter {
    /** No change. */
    LogitsFilter NONE = (row, generated, logits) -> {};

    /**
     * Filters {@code logits} (the vocabulary's, in place) of row {@code row}, which generated
     * {@code generated} so far (the newest last; empty before the first token).
     */
    void filter(int row, long[] generated, float[] logits);
  }

  private final LlamaModel model;

  public Generator(LlamaModel model) {
    this.model = model;
  }

  /** Generates for each prompt; {@code listener} sees every token as soon as it is chosen. */
  public GenerationResult generate(
      List<long[]> prompts, SamplingConfig config, TokenListener listener) {
    int b = prompts.size();
    if (b == 0) {
      throw new IllegalArgumentException("no prompts");
    }
    int promptLen = 0;
    for (int r = 0; r < b; r++) {
      if (prompts.get(r).length == 0) {
        throw new IllegalArgumentException("prompt " + r + " is empty (add a BOS token)");
      }
      promptLen = Math.max(promptLen, prompts.get(r).length);
    }
    boolean[][] valid = new boolean[b][promptLen];
    long[] ids = new long[b * promptLen];
    for (int r = 0; r < b; r++) {
      long[] p = prompts.get(r);
      int pad = promptLen - p.length;
      for (int c = 0; c < promptLen; c++) {
        boolean real = c >= pad;
        valid[r][c] = real;
        ids[r * promptLen + c] = real ? p[c - pad] : 0L;
      }
    }
    int t = promptLen;
    return decode(
        m -> model.embed(m.create(ids, new Shape(b, t))), // [B, P, H]
        valid,
        prompts,
        config,
        listener,
        StopCondition.NONE,
        LogitsFilter.NONE);
  }

  /**
   * Generates from prompt input embeddings: the rows of {@code embeddings} are left-padded prompts
   * whose real positions {@code valid} marks. The repetition penalty, if any, sees only the
   * generated tokens (embedded rows have no token id).
   *
   * @param embeddings {@code [B, P, H]} input embeddings, left-padded
   * @param valid {@code [B][P]}: true on each row's real positions, which end at slot P - 1
   * @param stop an extra stop condition ({@link StopCondition#NONE} for none)
   */
  public GenerationResult generateFromEmbeddings(
      NDArray embeddings,
      boolean[][] valid,
      SamplingConfig config,
      TokenListener listener,
      StopCondition stop) {
    return generateFromEmbeddings(embeddings, valid, config, listener, stop, LogitsFilter.NONE);
  }

  /**
   * As {@link #generateFromEmbeddings(NDArray, boolean[][], SamplingConfig, TokenListener,
   * StopCondition)}, with {@code filter} applied to each row's logits before every token is chosen.
   */
  public GenerationResult generateFromEmbeddings(
      NDArray embeddings,
      boolean[][] valid,
      SamplingConfig config,
      TokenListener listener,
      StopCondition stop,
      LogitsFilter filter) {
    Shape s = embeddings.getShape();
    int b = valid.length;
    if (b == 0) {
      throw new IllegalArgumentException("no prompts");
    }
    if (s.dimension() != 3
        || s.get(0) != b
        || s.get(1) != valid[0].length
        || s.get(2) != model.config().hiddenSize()) {
      throw new IllegalArgumentException(
          "embeddings "
              + s
              + " do not match "
              + b
              + " prompts of "
              + valid[0].length
              + " slots and hidden size "
              + model.config().hiddenSize());
    }
    List<long[]> noIds = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      if (valid[r].length != s.get(1) || !valid[r][valid[r].length - 1]) {
        throw new IllegalArgumentException(
            "prompt " + r + " is empty or not left-padded to " + s.get(1) + " slots");
      }
      noIds.add(new long[0]);
    }
    return decode(m -> embeddings, valid, noIds, config, listener, stop, filter);
  }

  /**
   * The decoding loop: one prefill of the prompts, then one token per row and step until every row
   * stopped (stopped rows are fed token 0 and ignored).
   *
   * @param promptEmbeddings the prompts' input embeddings {@code [B, P, H]}, made on the given
   *     manager of the prefill step
   * @param promptValid {@code [B][P]} real prompt positions
   * @param promptIds each row's prompt ids for the repetition penalty (empty if unknown)
   */
  private GenerationResult decode(
      Function<NDManager, NDArray> promptEmbeddings,
      boolean[][] promptValid,
      List<long[]> promptIds,
      SamplingConfig config,
      TokenListener listener,
      StopCondition stop,
      LogitsFilter filter) {
    int b = promptValid.length;
    int promptLen = promptValid[0].length;
    int maxPos = model.config().maxPositionEmbeddings();
    int capacity = promptLen + config.maxNewTokens();
    if (capacity > maxPos) {
      throw new IllegalArgumentException(
          "prompt ("
              + promptLen
              + ") + max new tokens ("
              + config.maxNewTokens()
              + ") exceeds max_position_embeddings "
              + maxPos);
    }
    int window = model.config().attentionWindow();
    SplittableRandom rng = new SplittableRandom(config.seed());
    Sampler[] samplers = new Sampler[b];
    long[][] history = new long[b][capacity];
    int[] histLen = new int[b];
    long[] nextPos = new long[b];
    boolean[][] valid = new boolean[b][capacity];
    long promptTokens = 0;
    for (int r = 0; r < b; r++) {
      samplers[r] = new Sampler(config, rng.split());
      System.arraycopy(promptValid[r], 0, valid[r], 0, promptLen);
      long[] p = promptIds.get(r);
      System.arraycopy(p, 0, history[r], 0, p.length);
      histLen[r] = p.length;
      for (boolean real : promptValid[r]) {
        nextPos[r] += real ? 1 : 0;
      }
      promptTokens += nextPos[r];
    }
    List<List<Long>> out = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      out.add(new ArrayList<>());
    }
    boolean[] done = new boolean[b];
    boolean[] stopped = new boolean[b];
    long prefillNanos = 0;
    long decodeNanos = 0;
    int steps = 0;
    try (NDManager m = TensorRuntime.newManager();
        KvCache cache = model.newCache(m, b, capacity)) {
      long t0 = System.nanoTime();
      float[][] logits =
          step(
              m,
              promptEmbeddings,
              b,
              promptLen,
              slice(valid, promptLen),
              positionsOfPrompt(valid, promptLen),
              cache,
              window);
      prefillNanos = System.nanoTime() - t0;
      int len = promptLen;
      while (true) {
        long[] next = new long[b];
        boolean any = false;
        for (int r = 0; r < b; r++) {
          if (done[r]) {
            continue;
          }
          if (filter != LogitsFilter.NONE) {
            filter.filter(r, toArray(out.get(r)), logits[r]);
          }
          long tok = samplers[r].next(logits[r], history[r], histLen[r]);
          next[r] = tok;
          history[r][histLen[r]++] = tok;
          out.get(r).add(tok);
          listener.onToken(r, tok);
          if (config.stopTokens().contains(tok)) {
            done[r] = true;
            stopped[r] = true;
          } else if (out.get(r).size() >= config.maxNewTokens()
              || (stop != StopCondition.NONE && stop.stop(r, toArray(out.get(r))))) {
            done[r] = true;
          } else {
            any = true;
          }
        }
        if (!any) {
          break;
        }
        long[] pos = new long[b];
        for (int r = 0; r < b; r++) {
          valid[r][len] = true;
          pos[r] = nextPos[r]++;
        }
        len++;
        long t1 = System.nanoTime();
        long[] ids = next;
        logits =
            step(
                m,
                s -> model.embed(s.create(ids, new Shape(b, 1))), // [B, 1, H]
                b,
                1,
                slice(valid, len),
                pos,
                cache,
                window);
        decodeNanos += System.nanoTime() - t1;
        steps++;
      }
    }
    List<long[]> tokens = new ArrayList<>();
    for (List<Long> row : out) {
      tokens.add(toArray(row));
    }
    return new GenerationResult(tokens, stopped, prefillNanos, decodeNanos, promptTokens, steps);
  }

  /** One forward step from input embeddings: returns last-position logits per row. */
  private float[][] step(
      NDManager parent,
      Function<NDManager, NDArray> embeddings,
      int b,
      int t,
      boolean[][] keyValid,
      long[] positions,
      KvCache cache,
      int window) {
    try (NDManager m = parent.newSubManager()) {
      NDArray posArr = m.create(positions, new Shape(b, t)); // [B, T]
      NDArray mask =
          t == 1 && attendsToAll(keyValid, window)
              ? null // one new token that sees every slot: nothing to mask
              : AttentionMask.causal(keyValid, cache.length(), t, window, m); // [B, 1, T, S]
      NDArray h = model.hidden(embeddings.apply(m), posArr, mask, cache); // [B, T, H]
      NDArray last = t == 1 ? h : h.get(new NDIndex(":, -1, :")); // [B, 1, H] or [B, H]
      float[] flat = model.lmHead(last).toFloatArray(); // [B, V]
      int v = flat.length / b;
      float[][] rows = new float[b][];
      for (int r = 0; r < b; r++) {
        rows[r] = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
      }
      return rows;
    }
  }

  private static long[] toArray(List<Long> row) {
    return row.stream().mapToLong(Long::longValue).toArray();
  }

  /** Whether a new token at the last slot may attend to every slot of every row. */
  private static boolean attendsToAll(boolean[][] keyValid, int window) {
    for (boolean[] row : keyValid) {
      if (window > 0 && row.length > window) {
        return false;
      }
      for (boolean ok : row) {
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static long[] positionsOfPrompt(boolean[][] valid, int len) {
    return LlamaModel.positionsFrom(slice(valid, len));
  }

  private static boolean[][] slice(boolean[][] valid, int len) {
    boolean[][] s = new boolean[valid.length][];
    for (int r = 0; r < valid.length; r++) {
      s[r] = Arrays.copyOf(valid[r], len);
    }
    return s;
  }
}
