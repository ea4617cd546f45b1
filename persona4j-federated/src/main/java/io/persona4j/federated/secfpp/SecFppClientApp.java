/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.prompt.PromptClassifier;
import io.persona4j.adapters.prompt.SoftPrompt;
import io.persona4j.adapters.prompt.SoftPromptConfig;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingObjective.Evaluation;
import io.persona4j.core.train.TrainingResult;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.privacy.cluster.ClusterClient;
import io.persona4j.privacy.cluster.RandomProjection;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A SecFPP client: prompt tuning of {@code P = P_G + P_L} and a classification head on a frozen
 * BERT encoder shared by all clients of the JVM, on data that never leaves it.
 *
 * <ul>
 *   <li>FIT, phase {@value SecFppWire#TRAIN}: P_G := the instruction's {@value
 *       SecFppWire#PROMPT_GLOBAL}; trains P_G, P_L (if {@code trainLocal}) and the head for {@code
 *       localSteps} AdamW steps; replies with P_G only. P_L and the head are never sent.
 *   <li>FIT, phase {@value SecFppWire#CLUSTER}: on first use trains {@code warmupSteps} locally
 *       from the common initial P_G and keeps {@code z = normalize(R (P_G - P_G0))} (R the shared
 *       projection; with {@link SecFppClientConfig.ClusterSignal#DATA_EMBEDDING} instead the mean
 *       frozen-encoder embedding of its training texts, without warm-up); replies with its
 *       one-hot-masked contribution to the query ({@link ClusterClient}). Meant to run under secure
 *       aggregation.
 *   <li>EVALUATE, phase {@value SecFppWire#ASSIGN}: the index of the nearest final centre.
 *   <li>EVALUATE otherwise: loss and accuracy on the client's test examples with P_G := the
 *       instruction's, if it carries one.
 * </ul>
 *
 * <p>Clients share the encoder and DJL's single gradient recorder, so {@code fit} and {@code
 * evaluate} hold the encoder's monitor for their whole duration.
 */
public final class SecFppClientApp implements ClientApp, AutoCloseable {
  private static final int EVAL_BATCH = 16;

  private final BertModel encoder;
  private final List<Example> train;
  private final List<Example> test;
  private final SecFppClientConfig config;
  private final NDManager manager;
  private final SoftPrompt prompt;
  private final ClassificationHead head;
  private final float[] initialGlobal;
  private ClusterClient clusterClient;
  private double[] z;
  private long steps;

  /**
   * @param encoder the shared frozen encoder
   * @param promptConfig the prompt's shape; P_G starts from {@code promptSeed} (the same for every
   *     client), P_L at zero
   * @param classes number of classes of the head (seeded by {@code config.seed()})
   */
  public SecFppClientApp(
      BertModel encoder,
      SoftPromptConfig promptConfig,
      long promptSeed,
      int classes,
      List<Example> train,
      List<Example> test,
      SecFppClientConfig config,
      NDManager parent) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    if (train == null || train.isEmpty()) {
      throw new IllegalArgumentException("train must hold at least one example");
    }
    this.train = List.copyOf(train);
    this.test = List.copyOf(test);
    this.config = Objects.requireNonNull(config, "config");
    this.manager = parent.newSubManager();
    this.prompt = SoftPrompt.create(promptConfig, promptSeed, manager);
    this.head =
        ClassificationHead.create(
            promptConfig.tokenDim(), classes, 0.02f, config.seed() * 31 + 7, manager);
    this.initialGlobal = prompt.globalValues();
  }

  /** The client's prompt (P_L lives only here). */
  public SoftPrompt prompt() {
    return prompt;
  }

  /** The client's head (lives only here). */
  public ClassificationHead head() {
    return head;
  }

  /** Number of training examples. */
  public int trainSize() {
    return train.size();
  }

  /**
   * The initial full prompt {@code P_0 = P_G0 + P_L0} (P_L starts at zero), to measure how far the
   * prompt drifted.
   */
  public float[] initialPromptValues() {
    return initialGlobal.clone();
  }

  /** The initial P_G as a parameter set (what the server starts every cluster from). */
  public ParameterSet initialGlobal() {
    return globalSet(initialGlobal);
  }

  private ParameterSet globalSet(float[] values) {
    SoftPromptConfig c = prompt.config();
    return ParameterSet.builder()
        .add(SecFppWire.PROMPT_GLOBAL, new int[] {c.numVirtualTokens(), c.tokenDim()}, values)
        .build();
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    String phase = String.valueOf(in.config().getOrDefault(SecFppWire.PHASE, SecFppWire.TRAIN));
    synchronized (encoder) {
      if (phase.equals(SecFppWire.CLUSTER)) {
        ClusterClient cc = clusterClient();
        float[] contribution = cc.contribution(SecFppWire.query(in));
        ParameterSet reply =
            ParameterSet.builder()
                .add(
                    in.parameters().spec(SecFppWire.CENTRES),
                    in.parameters().values(SecFppWire.CENTRES))
                .add(in.parameters().spec(SecFppWire.CONTRIBUTION), contribution)
                .build();
        return Reply.ok(in, reply, 1, Map.of());
      }
      if (!phase.equals(SecFppWire.TRAIN)) {
        throw new IllegalArgumentException("unknown " + SecFppWire.PHASE + " '" + phase + "'");
      }
      prompt.setGlobal(in.parameters().values(SecFppWire.PROMPT_GLOBAL));
      TrainingResult r = trainSteps(config.localSteps(), in.round());
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put(Reply.LOSS, Arrays.stream(r.losses()).average().orElse(Double.NaN));
      return Reply.ok(in, globalSet(prompt.globalValues()), train.size(), metrics);
    }
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    String phase = String.valueOf(in.config().getOrDefault(SecFppWire.PHASE, ""));
    synchronized (encoder) {
      if (phase.equals(SecFppWire.ASSIGN)) {
        int c = clusterClient().nearest(SecFppWire.query(in).centres());
        return Reply.ok(in, ParameterSet.empty(), 1, Map.of(SecFppWire.CLUSTER_METRIC, (double) c));
      }
      if (in.parameters().names().contains(SecFppWire.PROMPT_GLOBAL)) {
        prompt.setGlobal(in.parameters().values(SecFppWire.PROMPT_GLOBAL));
      }
      Evaluation e = evaluateLocal();
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put(Reply.LOSS, e.meanLoss());
      metrics.put("accuracy", e.accuracy());
      return Reply.ok(in, ParameterSet.empty(), e.targets(), metrics);
    }
  }

  /** Loss and accuracy on the client's test examples with its current prompt and head. */
  public Evaluation evaluateLocal() {
    synchronized (encoder) {
      Evaluation total = new Evaluation(0, 0, 0);
      PromptClassifier objective = new PromptClassifier(encoder, prompt, Pooling.MEAN, head);
      try (Autograd.NoGrad off = Autograd.noGrad()) {
        for (int i = 0; i < test.size(); i += EVAL_BATCH) {
          try (NDManager m = manager.newSubManager()) {
            Batch b =
                Batch.of(test.subList(i, Math.min(test.size(), i + EVAL_BATCH)), config.padId());
            total = total.plus(objective.evaluate(b, m));
          }
        }
      }
      return total;
    }
  }

  /**
   * Whether each test example is classified correctly (argmax of the head's logits equals the
   * label) with the client's current prompt and head: the per-example outcomes behind {@link
   * #evaluateLocal}'s accuracy, for paired tests between methods. Stays on the client like the
   * data.
   */
  public boolean[] testHits() {
    synchronized (encoder) {
      boolean[] hits = new boolean[test.size()];
      PromptClassifier objective = new PromptClassifier(encoder, prompt, Pooling.MEAN, head);
      try (Autograd.NoGrad off = Autograd.noGrad()) {
        for (int i = 0; i < test.size(); i += EVAL_BATCH) {
          try (NDManager m = manager.newSubManager()) {
            List<Example> part = test.subList(i, Math.min(test.size(), i + EVAL_BATCH));
            Batch b = Batch.of(part, config.padId());
            long[] predicted = objective.logits(b, m).argMax(1).toLongArray();
            long[] labels = b.classLabels(m).toLongArray();
            for (int j = 0; j < predicted.length; j++) {
              hits[i + j] = predicted[j] == labels[j];
            }
          }
        }
      }
      return hits;
    }
  }

  /** Local training only (the local-only baseline and the warm-up): {@code n} steps. */
  public TrainingResult trainLocally(int n, int round) throws IOException {
    synchronized (encoder) {
      return trainSteps(n, round);
    }
  }

  /**
   * The client's own reduced domain vector {@code z} (warming up first if needed): for the client's
   * own use and tests; it is never sent.
   */
  public double[] domainVector() throws IOException {
    synchronized (encoder) {
      clusterClient();
      return z.clone();
    }
  }

  private ClusterClient clusterClient() throws IOException {
    if (clusterClient == null) {
      float[] g;
      if (config.clusterSignal() == SecFppClientConfig.ClusterSignal.DATA_EMBEDDING) {
        g = meanDataEmbedding();
      } else {
        trainSteps(config.warmupSteps(), 0);
        g = prompt.globalValues();
        for (int i = 0; i < g.length; i++) {
          g[i] -= initialGlobal[i];
        }
      }
      RandomProjection p =
          new RandomProjection(g.length, config.projectionDim(), config.projectionSeed());
      z = p.projectNormalized(g);
      clusterClient = new ClusterClient(z);
    }
    return clusterClient;
  }

  /** Mean over the training texts of the frozen encoder's mean-pooled output, no prompt. */
  private float[] meanDataEmbedding() {
    int h = encoder.config().hiddenSize();
    double[] sum = new double[h];
    try (Autograd.NoGrad off = Autograd.noGrad()) {
      for (int i = 0; i < train.size(); i += EVAL_BATCH) {
        try (NDManager m = manager.newSubManager()) {
          Batch b =
              Batch.of(train.subList(i, Math.min(train.size(), i + EVAL_BATCH)), config.padId());
          NDArray mask = b.attentionMask(m);
          NDArray hidden = encoder.forward(b.ids(m), mask, null); // [B,T,H]
          float[] pooled = Pooling.MEAN.pool(hidden, mask).sum(new int[] {0}).toFloatArray(); // [H]
          for (int j = 0; j < h; j++) {
            sum[j] += pooled[j];
          }
        }
      }
    }
    float[] out = new float[h];
    for (int j = 0; j < h; j++) {
      out[j] = (float) (sum[j] / train.size());
    }
    return out;
  }

  private TrainingResult trainSteps(int n, int round) throws IOException {
    Map<String, NDArray> params = new LinkedHashMap<>();
    params.put(SoftPrompt.GLOBAL, prompt.global());
    if (config.trainLocal()) {
      params.put(SoftPrompt.LOCAL, prompt.local());
    }
    params.putAll(head.parameters());
    TrainableParameters tp = TrainableParameters.of(params);
    try (Trainer trainer =
        Trainer.builder()
            .setParameters(tp)
            .setObjective(new PromptClassifier(encoder, prompt, Pooling.MEAN, head))
            .setOptimizer(AdamW.builder().build())
            .setSchedule(LearningRateSchedule.constant(config.learningRate()))
            .setTrainData(train)
            .setMaxSteps(n)
            .optMicroBatchSize(Math.min(config.microBatchSize(), train.size()))
            .optPadId(config.padId())
            .optSeed(config.seed() * 1_000_003L + round * 7919L + steps)
            .build()) {
      TrainingResult r = trainer.train();
      steps += n;
      return r;
    } finally {
      tp.freeze();
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
