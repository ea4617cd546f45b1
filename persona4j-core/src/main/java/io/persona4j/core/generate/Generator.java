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

/**
 * Autoregressive generation with a KV cache for a batch of prompts of different lengths.
 *
 * <p>Prompts are left-padded to a common length; padding is masked out of attention and RoPE
 * positions count real tokens only, so each row computes exactly what it would compute alone.
 */
public final class Generator {
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
    long promptTokens = 0;
    for (int r = 0; r < b; r++) {
      if (prompts.get(r).length == 0) {
        throw new IllegalArgumentException("prompt " + r + " is empty (add a BOS token)");
      }
      promptLen = Math.max(promptLen, prompts.get(r).length);
      promptTokens += prompts.get(r).length;
    }
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
    long[] ids = new long[b * promptLen];
    for (int r = 0; r < b; r++) {
      samplers[r] = new Sampler(config, rng.split());
      long[] p = prompts.get(r);
      int pad = promptLen - p.length;
      for (int c = 0; c < promptLen; c++) {
        boolean real = c >= pad;
        valid[r][c] = real;
        ids[r * promptLen + c] = real ? p[c - pad] : 0L;
      }
      System.arraycopy(p, 0, history[r], 0, p.length);
      histLen[r] = p.length;
      nextPos[r] = p.length;
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
              ids,
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
          long tok = samplers[r].next(logits[r], history[r], histLen[r]);
          next[r] = tok;
          history[r][histLen[r]++] = tok;
          out.get(r).add(tok);
          listener.onToken(r, tok);
          if (config.stopTokens().contains(tok)) {
            done[r] = true;
            stopped[r] = true;
          } else if (out.get(r).size() >= config.maxNewTokens()) {
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
        logits = step(m, next, b, 1, slice(valid, len), pos, cache, window);
        decodeNanos += System.nanoTime() - t1;
        steps++;
      }
    }
    List<long[]> tokens = new ArrayList<>();
    for (List<Long> row : out) {
      tokens.add(row.stream().mapToLong(Long::longValue).toArray());
    }
    return new GenerationResult(tokens, stopped, prefillNanos, decodeNanos, promptTokens, steps);
  }

  /** One forward step: returns last-position logits per row. */
  private float[][] step(
      NDManager parent,
      long[] ids,
      int b,
      int t,
      boolean[][] keyValid,
      long[] positions,
      KvCache cache,
      int window) {
    try (NDManager m = parent.newSubManager()) {
      NDArray idArr = m.create(ids, new Shape(b, t)); // [B, T]
      NDArray posArr = m.create(positions, new Shape(b, t)); // [B, T]
      NDArray mask =
          t == 1 && attendsToAll(keyValid, window)
              ? null // one new token that sees every slot: nothing to mask
              : AttentionMask.causal(keyValid, cache.length(), t, window, m); // [B, 1, T, S]
      NDArray h = model.hidden(model.embed(idArr), posArr, mask, cache); // [B, T, H]
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
