/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.progress.Progress;
import io.persona4j.core.train.Autograd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The likelihood protocol: ranks each sample's candidates by {@code log p(" " + title [+ EOS] |
 * prompt)}, the summed log-probability of the answer tokens (not length-normalized); HitRatio@1 is
 * the fraction of samples whose target ranks first (ties go to the earlier candidate). Every
 * ranking is a valid prediction, so ValidRatio is 1. With EOS (the default, as training teaches the
 * answer followed by EOS) a title that is a prefix of another (e.g. "Heat" and "Heat 2") does not
 * get the other's probability mass.
 *
 * <p>One forward pass per batch scores all candidates of all its samples: each row holds the prompt
 * followed by every candidate's answer tokens, and the attention mask lets a candidate's tokens see
 * the prompt and the earlier tokens of the same candidate only, while their RoPE positions continue
 * from the end of the prompt. Each candidate is thus computed exactly as in a separate forward pass
 * over prompt + candidate, for {@code P + sum(L_c)} tokens instead of {@code C * (P + L)}.
 */
public final class LikelihoodRanker {
  private static final int LM_HEAD_CHUNK = 1024;

  private final LlaraModel model;
  private final PromptMode mode;
  private final int batchSize;
  private final boolean withEos;

  /**
   * @param mode the prompts' mode
   * @param batchSize samples scored per forward pass
   * @param withEos score the answer followed by EOS
   */
  public LikelihoodRanker(LlaraModel model, PromptMode mode, int batchSize, boolean withEos) {
    this.model = Objects.requireNonNull(model, "model");
    this.mode = Objects.requireNonNull(mode, "mode");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (mode == PromptMode.HYBRID && !model.supportsHybrid()) {
      throw new IllegalArgumentException("hybrid prompts need a model with an embedder");
    }
    this.batchSize = batchSize;
    this.withEos = withEos;
  }

  /** Per sample, the log-probability of each candidate's answer, in candidate order. */
  public double[][] scores(List<RecSample> samples) {
    return sums(tokenLogProbs(samples));
  }

  /** Per sample and candidate the sum of its tokens' log-probabilities: the candidate's score. */
  public static double[][] sums(double[][][] tokenLogProbs) {
    double[][] out = new double[tokenLogProbs.length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new double[tokenLogProbs[i].length];
      for (int c = 0; c < out[i].length; c++) {
        double sum = 0;
        for (double lp : tokenLogProbs[i][c]) {
          sum += lp;
        }
        out[i][c] = sum;
      }
    }
    return out;
  }

  /**
   * Per sample, candidate and answer token (EOS last if scored with EOS) the log-probability of
   * that token given the prompt and the candidate's earlier tokens: what the likelihood protocol
   * sums and what beam search over the candidate trie ({@link BeamEvaluator}) walks.
   */
  public double[][][] tokenLogProbs(List<RecSample> samples) {
    double[][][] out = new double[samples.size()][][];
    Progress progress = Progress.start("likelihood ranking (samples)", Math.max(1, samples.size()));
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager m = TensorRuntime.newManager()) {
      for (int i = 0; i < samples.size(); i += batchSize) {
        List<RecSample> chunk = samples.subList(i, Math.min(samples.size(), i + batchSize));
        try (NDManager bm = m.newSubManager()) {
          double[][][] s = scoreBatch(chunk, bm);
          System.arraycopy(s, 0, out, i, s.length);
        }
        progress.update(i + chunk.size());
      }
    }
    return out;
  }

  /** HitRatio@1 of the rankings (valid = total). */
  public RecMetrics evaluate(List<RecSample> samples) {
    double[][] s = scores(samples);
    long correct = 0;
    for (int i = 0; i < s.length; i++) {
      if (best(s[i]) == samples.get(i).targetIndex()) {
        correct++;
      }
    }
    return new RecMetrics(samples.size(), samples.size(), correct);
  }

  /** Index of the largest score (the first of equal ones). */
  static int best(double[] scores) {
    int best = 0;
    for (int c = 1; c < scores.length; c++) {
      if (scores[c] > scores[best]) {
        best = c;
      }
    }
    return best;
  }

  private double[][][] scoreBatch(List<RecSample> samples, NDManager m) {
    LlaraPrompt prompt = model.prompt();
    LlamaModel decoder = model.decoder();
    int b = samples.size();
    List<EncodedPrompt> rows = new ArrayList<>(b);
    int[] promptLen = new int[b];
    long[][][] answers = new long[b][][];
    for (int r = 0; r < b; r++) {
      RecSample s = samples.get(r);
      int[] cans = s.candidates();
      answers[r] = new long[cans.length][];
      int longest = 0;
      int total = 0;
      for (int c = 0; c < cans.length; c++) {
        answers[r][c] = prompt.answerIds(cans[c], withEos);
        longest = Math.max(longest, answers[r][c].length);
        total += answers[r][c].length;
      }
      EncodedPrompt p = prompt.encodePrompt(s, mode, longest);
      promptLen[r] = p.length();
      long[] ids = Arrays.copyOf(p.ids(), p.length() + total);
      int at = p.length();
      for (long[] a : answers[r]) {
        System.arraycopy(a, 0, ids, at, a.length);
        at += a.length;
      }
      rows.add(
          new EncodedPrompt(
              s,
              mode,
              ids,
              null,
              p.length(),
              p.historyKept(),
              p.placeholderPositions(),
              p.placeholderItems()));
    }
    PromptBatch batch = PromptBatch.of(rows, prompt.padId(), false);
    int t = batch.length;
    // Segments: -1 prompt, c candidate c, -2 padding; positions restart after the prompt.
    int[][] segment = new int[b][t];
    long[] positions = new long[b * t];
    List<long[]> picks = new ArrayList<>(); // {flat slot, token, row, candidate, position}
    for (int r = 0; r < b; r++) {
      Arrays.fill(segment[r], -2);
      int pl = promptLen[r];
      for (int k = 0; k < pl; k++) {
        segment[r][k] = -1;
        positions[r * t + k] = k;
      }
      int start = pl;
      for (int c = 0; c < answers[r].length; c++) {
        long[] a = answers[r][c];
        for (int j = 0; j < a.length; j++) {
          segment[r][start + j] = c;
          positions[r * t + start + j] = pl + j;
          int from = j == 0 ? pl - 1 : start + j - 1; // the slot whose logits predict token j
          picks.add(new long[] {(long) r * t + from, a[j], r, c, j});
        }
        start += a.length;
      }
    }
    NDArray mask = blockMask(batch.valid, segment, positions, t, m);
    model.beforeForward(batch.samples, m);
    NDArray h =
        decoder.hidden(
            model.embeds(batch, m), m.create(positions, new Shape(b, t)), mask, null); // [B,T,H]
    NDArray flat = h.reshape(-1, h.getShape().get(2)); // [B*T, H]
    double[][][] scores = new double[b][][];
    for (int r = 0; r < b; r++) {
      scores[r] = new double[answers[r].length][];
      for (int c = 0; c < answers[r].length; c++) {
        scores[r][c] = new double[answers[r][c].length];
      }
    }
    for (int from = 0; from < picks.size(); from += LM_HEAD_CHUNK) {
      int n = Math.min(LM_HEAD_CHUNK, picks.size() - from);
      long[] slots = new long[n];
      long[] tokens = new long[n];
      for (int i = 0; i < n; i++) {
        slots[i] = picks.get(from + i)[0];
        tokens[i] = picks.get(from + i)[1];
      }
      try (NDManager cm = m.newSubManager()) {
        NDArray sel = JniUtils.embedding((PtNDArray) cm.create(slots), (PtNDArray) flat, false);
        NDArray logp = decoder.lmHead(sel).logSoftmax(-1); // [n, V]
        float[] lp = logp.gather(cm.create(tokens, new Shape(n, 1)), -1).toFloatArray(); // [n]
        for (int i = 0; i < n; i++) {
          long[] pick = picks.get(from + i);
          scores[(int) pick[2]][(int) pick[3]][(int) pick[4]] = lp[i];
        }
      }
    }
    return scores;
  }

  /**
   * {@code [B, 1, T, T]}: a key is visible to a query when it is a real token at or before the
   * query, in the prompt or in the query's own segment (and within the attention window, counted in
   * positions).
   */
  private NDArray blockMask(
      boolean[][] valid, int[][] segment, long[] positions, int t, NDManager m) {
    int b = valid.length;
    int window = model.decoder().config().attentionWindow();
    float[] mask = new float[b * t * t];
    for (int r = 0; r < b; r++) {
      for (int q = 0; q < t; q++) {
        int base = (r * t + q) * t;
        int sq = segment[r][q];
        for (int k = 0; k < t; k++) {
          int sk = segment[r][k];
          boolean ok =
              valid[r][k]
                  && k <= q
                  && (sq == -2 || sk == -1 || sk == sq)
                  && (window <= 0 || positions[r * t + q] - positions[r * t + k] < window);
          mask[base + k] = ok ? 0f : AttentionMask.MASKED;
        }
      }
    }
    return m.create(mask, new Shape(b, 1, t, t));
  }
}
