/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Autograd;
import io.persona4j.steer.AdaptiveGate;
import io.persona4j.steer.SteerParams;
import io.persona4j.steer.SteeringRule;
import io.persona4j.steer.wire.DistributionCodec;
import io.persona4j.steer.wire.WireFormat;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Likelihood of candidate answers under each row's policy, by teacher forcing: every model scores
 * all candidates after its prompt in one batch (right-padded), the per-position log-probabilities
 * over the vocabulary are combined as the row would combine them while generating (the steering
 * rule, AdaCoSteer's gate along the candidate, the top-k reconstruction of the cloud's
 * distribution), and a candidate's score is the sum of its tokens' log-probabilities (EOS
 * included).
 */
final class CandidateScorer {
  private final LlamaModel cloud;
  private final LlamaModel device;
  private final int vocab;

  CandidateScorer(LlamaModel cloud, LlamaModel device, int vocab) {
    this.cloud = cloud;
    this.device = device;
    this.vocab = vocab;
  }

  /**
   * @param cloudIds the cloud's prompt (query only)
   * @param ctxIds the device's prompt with the context
   * @param noctxIds the device's prompt without it
   * @param cloudCtxIds the cloud's prompt with the context (the privacy-violating bound)
   * @param candidates each candidate's token ids, EOS last
   * @return per row key, each candidate's log-likelihood
   */
  Map<String, double[]> score(
      long[] cloudIds,
      long[] ctxIds,
      long[] noctxIds,
      long[] cloudCtxIds,
      List<long[]> candidates,
      List<Row> rows,
      NDManager parent) {
    int c = candidates.size();
    int m = candidates.stream().mapToInt(a -> a.length).max().orElseThrow();
    Map<String, double[]> out = new LinkedHashMap<>();
    try (Autograd.NoGrad ignored = Autograd.noGrad();
        NDManager nd = parent.newSubManager()) {
      NDArray piRef = logProbs(cloud, cloudIds, candidates, m, nd); // [C, M, V]
      NDArray ctx = logProbs(device, ctxIds, candidates, m, nd); // [C, M, V]
      NDArray noctx = logProbs(device, noctxIds, candidates, m, nd); // [C, M, V]
      NDArray delta = ctx.sub(noctx); // [C, M, V]
      Map<Row.Kind, NDArray> cache = new EnumMap<>(Row.Kind.class);
      for (Row row : rows) {
        NDArray policy =
            switch (row.kind()) {
              case CLOUD -> piRef;
              case DEVICE_CTX -> ctx;
              case CLOUD_CTX -> logProbs(cloud, cloudCtxIds, candidates, m, nd);
              case COSTEER ->
                  cache.computeIfAbsent(
                      row.kind(),
                      k -> SteeringRule.iterative(SteerParams.DEFAULTS).apply(piRef, delta));
              case CLOSED_FORM -> SteeringRule.closedForm(SteerParams.DEFAULTS).apply(piRef, delta);
              case FIXED_C1 -> SteeringRule.fixed(1).apply(piRef, delta);
              case ADA ->
                  gated(
                      piRef,
                      cache.computeIfAbsent(
                          Row.Kind.COSTEER,
                          k -> SteeringRule.iterative(SteerParams.DEFAULTS).apply(piRef, delta)),
                      candidates,
                      nd);
              case TOPK ->
                  SteeringRule.closedForm(SteerParams.DEFAULTS)
                      .apply(topK(piRef, row.k(), nd), delta);
            };
        out.put(row.key(), sum(policy, candidates, m));
      }
    }
    return out;
  }

  /** Log-probabilities {@code [C, M, V]} of the positions that predict each candidate token. */
  private NDArray logProbs(
      LlamaModel model, long[] prompt, List<long[]> candidates, int m, NDManager nd) {
    int c = candidates.size();
    int p = prompt.length;
    int t = p + m - 1; // the last candidate token is predicted, never input
    if (t > model.config().maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "prompt ("
              + p
              + " tokens) + candidate ("
              + m
              + ") exceed the model's "
              + model.config().maxPositionEmbeddings()
              + " positions");
    }
    long[] ids = new long[c * t];
    long[] mask = new long[c * t];
    for (int r = 0; r < c; r++) {
      long[] cand = candidates.get(r);
      System.arraycopy(prompt, 0, ids, r * t, p);
      System.arraycopy(cand, 0, ids, r * t + p, cand.length - 1);
      java.util.Arrays.fill(mask, r * t, r * t + p + cand.length - 1, 1L);
    }
    NDArray logits =
        model.logits(nd.create(ids, new Shape(c, t)), nd.create(mask, new Shape(c, t))); // [C,T,W]
    return logits.get(new NDIndex(":, " + (p - 1) + ":, :" + vocab)).logSoftmax(-1); // [C, M, V]
  }

  /** AdaCoSteer along each candidate: steered positions from {@code steered}, the rest piRef. */
  private static NDArray gated(
      NDArray piRef, NDArray steered, List<long[]> candidates, NDManager nd) {
    long[] shape = piRef.getShape().getShape();
    int c = (int) shape[0];
    int m = (int) shape[1];
    float[] maxLog = piRef.max(new int[] {-1}).toFloatArray(); // [C * M]
    float[] gate = new float[c * m];
    for (int r = 0; r < c; r++) {
      AdaptiveGate g = new AdaptiveGate(0.1, 3);
      for (int t = 0; t < m; t++) {
        boolean on = t < candidates.get(r).length && g.observe(1 - Math.exp(maxLog[r * m + t]));
        gate[r * m + t] = on ? 1f : 0f;
      }
    }
    NDArray g = nd.create(gate, new Shape(c, m, 1)); // [C, M, 1]
    return steered.mul(g).add(piRef.mul(g.neg().add(1f))); // [C, M, V]
  }

  /** The cloud distribution as the device sees it over a top-k wire. */
  private static NDArray topK(NDArray piRef, int k, NDManager nd) {
    Shape shape = piRef.getShape();
    int v = (int) shape.get(2);
    float[] all = piRef.toFloatArray();
    float[] out = new float[all.length];
    WireFormat f = WireFormat.topK(k);
    for (int row = 0; row < all.length / v; row++) {
      float[] lp = java.util.Arrays.copyOfRange(all, row * v, (row + 1) * v);
      float[] back = DistributionCodec.decode(DistributionCodec.encode(lp, f, 0, 0), f, 0, v);
      System.arraycopy(back, 0, out, row * v, v);
    }
    return nd.create(out, shape);
  }

  private static double[] sum(NDArray policy, List<long[]> candidates, int m) {
    float[] lp = policy.toFloatArray();
    int v = (int) policy.getShape().get(2);
    double[] s = new double[candidates.size()];
    for (int r = 0; r < candidates.size(); r++) {
      long[] cand = candidates.get(r);
      for (int t = 0; t < cand.length; t++) {
        s[r] += lp[(r * m + t) * v + (int) cand[t]];
      }
    }
    return s;
  }
}
