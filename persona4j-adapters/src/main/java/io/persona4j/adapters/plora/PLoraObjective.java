/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.CrossEntropy;
import io.persona4j.core.train.Encoder;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.TrainingObjective;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PLoRA's training objective for sequence classification: encoder (with its {@link PLoraModel}
 * conditioned on the batch's user vectors), pooling, head, cross-entropy, as the authors train it:
 *
 * <ul>
 *   <li>personalized dropout ({@link PersonalizedDropout}) zeroes whole user vectors of training
 *       samples at rate {@code p_rate};
 *   <li>with {@code mim > 0}, a second pass with every user masked (zero vectors) runs without
 *       gradient through the encoder; its pooled output, detached, goes through the (trained) head
 *       to {@code z_generic}; the loss adds {@code mim * KL(softmax(z/4) || softmax(z_generic/4))}
 *       (batch mean, no {@code T^2} factor; the authors' {@code KLDivLoss(log_softmax(z_generic/4),
 *       softmax(z/4))}) and, switched on together with it as in their code, {@code mim * MSE}
 *       between each adapted layer's LoRA output with and without the user (the mean over all
 *       layers' elements, padding positions included as in their code).
 * </ul>
 *
 * The summed loss is {@code sum CE + B * mim * (KL + MSE)}, so the trainer's division by the
 * batch's example count gives the authors' per-batch mean. Evaluation runs in inference mode (no
 * dropout) on the same users.
 */
public final class PLoraObjective implements TrainingObjective {
  private static final float TEMPERATURE = 4f;

  /** Where a batch's user vectors come from. */
  @FunctionalInterface
  public interface Users {
    /**
     * {@code [B, d_u]} on {@code m} (differentiable in what is trained), or null when no row has a
     * user (the user term is dropped).
     */
    NDArray vectors(Batch batch, NDManager m);
  }

  private final Encoder encoder;
  private final Pooling pooling;
  private final ClassificationHead head;
  private final PLoraModel plora;
  private final Users users;

  private final boolean personalize;

  /**
   * @param personalize apply the config's personalized dropout and mutual-information term (the
   *     shared training); few-shot enrolment passes false (the authors set both off there)
   */
  public PLoraObjective(
      Encoder encoder,
      Pooling pooling,
      ClassificationHead head,
      PLoraModel plora,
      Users users,
      boolean personalize) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    this.head = Objects.requireNonNull(head, "head");
    this.plora = Objects.requireNonNull(plora, "plora");
    this.users = Objects.requireNonNull(users, "users");
    this.personalize = personalize;
  }

  /**
   * Users from the table: each example's user by identity in {@code userOf} (an example not in the
   * map, or whose user is not in the table, has no user: a zero vector, exactly the user-free
   * path).
   */
  public static Users fromTable(PLoraModel plora, Map<Example, String> userOf) {
    IdentityHashMap<Example, String> byIdentity = new IdentityHashMap<>(userOf);
    return (batch, m) -> {
      List<Example> ex = batch.examples();
      int[] rows = new int[ex.size()];
      boolean any = false;
      for (int i = 0; i < rows.length; i++) {
        rows[i] = plora.users().row(byIdentity.get(ex.get(i))).orElse(-1);
        any |= rows[i] >= 0;
      }
      return any ? plora.users().gather(rows, m) : null;
    };
  }

  /** One vector {@code [d_u]} or {@code [1, d_u]} for every row (few-shot fitting of one user). */
  public static Users single(NDArray vector) {
    return (batch, m) -> {
      long d = vector.getShape().get(vector.getShape().dimension() - 1);
      NDArray row = vector.reshape(1, d); // [1, d_u]
      return row.broadcast(new Shape(batch.size(), d)); // [B, d_u]
    };
  }

  /** No user for any row (task LoRA behaviour, zero-shot). */
  public static Users none() {
    return (batch, m) -> null;
  }

  /** Class logits {@code [B, C]} of a batch with its users, in the current mode. */
  public NDArray logits(Batch batch, NDManager m) {
    NDArray p = users.vectors(batch, m);
    return logits(batch, p, m);
  }

  private NDArray logits(Batch batch, NDArray userVectors, NDManager m) {
    return head.forward(pooled(batch, userVectors, m)); // [B, C]
  }

  private NDArray pooled(Batch batch, NDArray userVectors, NDManager m) {
    NDArray mask = batch.attentionMask(m);
    try (PLoraModel.Scope ignored = plora.condition(userVectors)) {
      NDArray hidden = encoder.encode(batch.ids(m), mask); // [B, T, H]
      return pooling.pool(hidden, mask); // [B, H]
    }
  }

  @Override
  public NDArray lossSum(Batch batch, NDManager m) {
    NDArray labels = batch.classLabels(m);
    checkClasses(labels);
    NDArray p = users.vectors(batch, m);
    boolean training = plora.training();
    if (p != null && training && personalize) {
      p = plora.personalizedDropout().apply(p); // [B, d_u]
    }
    boolean mi = p != null && training && personalize && plora.config().mimEnabled();
    if (!mi) {
      return CrossEntropy.classSum(logits(batch, p, m), labels);
    }
    NDArray z;
    List<NDArray[]> pairs;
    NDArray mask = batch.attentionMask(m);
    try (PLoraModel.Scope ignored = plora.condition(p)) {
      plora.startMiRecording(m);
      NDArray hidden = encoder.encode(batch.ids(m), mask); // [B, T, H]
      pairs = plora.takeMiPairs();
      z = head.forward(pooling.pool(hidden, mask)); // [B, C]
    }
    NDArray pooledGeneric;
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDArray masked = m.zeros(p.getShape()); // every user masked, as p * 0
      pooledGeneric = pooled(batch, masked, m).stopGradient(); // [B, H]
    }
    NDArray zGeneric = head.forward(pooledGeneric); // [B, C]: the head still learns from it
    NDArray invT = m.create(1f / TEMPERATURE);
    NDArray logP = z.mul(invT).logSoftmax(-1); // [B, C]
    NDArray logQ = zGeneric.mul(invT).logSoftmax(-1); // [B, C]
    NDArray kl = logP.exp().mul(logP.sub(logQ)).sum(); // batch sum; / B below
    NDArray sq = null;
    long count = 0;
    for (NDArray[] pair : pairs) {
      NDArray d = pair[0].sub(pair[1]);
      NDArray s = d.mul(d).sum();
      sq = sq == null ? s : sq.add(s);
      count += pair[0].size();
    }
    NDArray b = m.create((float) batch.size());
    NDArray weight = m.create((float) plora.config().mim());
    NDArray miSum = kl; // B * KL_batchmean
    if (sq != null) {
      miSum = miSum.add(sq.mul(b).div(m.create((float) count))); // B * MSE
    }
    return CrossEntropy.classSum(z, labels).add(miSum.mul(weight));
  }

  @Override
  public Evaluation evaluate(Batch batch, NDManager m) {
    boolean was = plora.training();
    plora.train(false);
    try {
      NDArray labels = batch.classLabels(m);
      checkClasses(labels);
      return Evaluation.classification(logits(batch, m), labels); // logits [B, C]
    } finally {
      plora.train(was);
    }
  }

  private void checkClasses(NDArray labels) {
    long max = labels.max().getLong();
    if (max >= head.classes()) {
      throw new IllegalArgumentException(
          "class label " + max + " out of range for a head with " + head.classes() + " classes");
    }
  }
}
