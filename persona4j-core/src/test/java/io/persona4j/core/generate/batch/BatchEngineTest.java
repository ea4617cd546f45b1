/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchEngineTest {
  static NDManager manager;
  static LlamaModel model;
  static LlamaModel windowed;

  static LlamaConfig config(String type, Integer window) {
    return new LlamaConfig(
        type,
        61,
        32,
        48,
        2,
        4,
        2,
        null,
        1e-6,
        10000.0,
        null,
        96,
        true,
        null,
        false,
        "silu",
        1,
        List.of(2),
        null,
        window,
        window != null,
        null,
        null);
  }

  @BeforeAll
  static void load() throws IOException {
    manager = TensorRuntime.newManager();
    LlamaConfig c = config("qwen2", null);
    Map<String, FloatTensor> w = RandomWeights.llama(c, 21, 0.35f);
    model = LlamaModel.load(c, WeightSource.ofFloats("random", w), manager);
    LlamaConfig cw = config("mistral", 5);
    windowed =
        LlamaModel.load(
            cw, WeightSource.ofFloats("random", RandomWeights.llama(cw, 22, 0.35f)), manager);
  }

  @AfterAll
  static void close() {
    model.close();
    windowed.close();
    manager.close();
  }

  /** Collects a sequence's tokens and its end. */
  static class Collect implements SequenceListener {
    final List<Long> tokens = new CopyOnWriteArrayList<>();
    final CompletableFuture<FinishReason> finished = new CompletableFuture<>();
    volatile Throwable error;

    @Override
    public void onToken(long token) {
      tokens.add(token);
    }

    @Override
    public void onFinish(FinishReason reason, Throwable e) {
      error = e;
      finished.complete(reason);
    }

    long[] array() {
      return tokens.stream().mapToLong(Long::longValue).toArray();
    }

    FinishReason await() throws Exception {
      return finished.get(60, TimeUnit.SECONDS);
    }
  }

  static long[] alone(LlamaModel m, long[] prompt, SamplingConfig cfg) {
    return new Generator(m).generate(List.of(prompt), cfg, TokenListener.NONE).tokens().get(0);
  }

  static List<long[]> prompts() {
    List<long[]> p = new ArrayList<>();
    p.add(new long[] {1, 7});
    p.add(new long[] {1, 4, 8, 15, 16, 23, 42});
    p.add(new long[] {1, 30, 31, 33});
    p.add(new long[] {1});
    p.add(new long[] {1, 50, 3, 9, 9, 9, 12, 13, 40, 41, 5});
    p.add(new long[] {1, 11, 12});
    return p;
  }

  @Test
  void greedySequencesJoiningAndLeavingGiveTheTokensEachGivesAlone() throws Exception {
    // A batch of 3 for 6 sequences of different lengths and limits: later ones join as earlier
    // ones leave, rows move when a sequence finishes, prefill and decode interleave.
    try (BatchEngine engine = BatchEngine.builder().setModel(model).optMaxBatch(3).build()) {
      List<long[]> prompts = prompts();
      List<Collect> got = new ArrayList<>();
      List<SamplingConfig> cfgs = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        SamplingConfig cfg = SamplingConfig.greedy(4 + 3 * i, Set.of());
        cfgs.add(cfg);
        Collect c = new Collect();
        engine.submit(new SequenceRequest(prompts.get(i), cfg, null), c);
        got.add(c);
      }
      for (int i = 0; i < prompts.size(); i++) {
        assertThat(got.get(i).await()).isEqualTo(FinishReason.LENGTH);
        assertThat(got.get(i).array())
            .as("sequence %d", i)
            .containsExactly(alone(model, prompts.get(i), cfgs.get(i)));
      }
      assertThat(engine.running()).isZero();
      assertThat(engine.queued()).isZero();
    }
  }

  @Test
  void seededSamplingGivesTheTokensGenerateGivesForTheSameSeed() throws Exception {
    try (BatchEngine engine = BatchEngine.builder().setModel(model).optMaxBatch(4).build()) {
      List<long[]> prompts = prompts();
      List<Collect> got = new ArrayList<>();
      List<SamplingConfig> cfgs = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        SamplingConfig cfg = new SamplingConfig(12, 0.9f, 20, 0.95f, 1.1f, Set.of(), 100 + i);
        cfgs.add(cfg);
        Collect c = new Collect();
        engine.submit(new SequenceRequest(prompts.get(i), cfg, null), c);
        got.add(c);
      }
      for (int i = 0; i < prompts.size(); i++) {
        got.get(i).await();
        assertThat(got.get(i).array())
            .as("sequence %d", i)
            .containsExactly(alone(model, prompts.get(i), cfgs.get(i)));
      }
    }
  }

  /**
   * With F32 decode weights on the kernel, the engine's decode steps (rows at different lengths in
   * their slots, a mask per row, rows moving between slots) run wholly in the JVM from JDK 22 on
   * (attention over the slot cache read and written in place) and pick what PyTorch picks; the
   * sliding-window model too. On a JDK 21 runtime they stay on PyTorch (documented).
   */
  @Test
  void decodeStepsInTheJvmGiveThePyTorchTokensWithSlotsAndWindows() throws Exception {
    for (LlamaConfig c : List.of(config("qwen2", null), config("mistral", 5))) {
      long seed = c.slidingWindow() == null ? 21 : 22;
      LlamaModel torch = c.slidingWindow() == null ? model : windowed;
      try (LlamaModel kernel =
              LlamaModel.load(
                  c,
                  WeightSource.ofFloats("random", RandomWeights.llama(c, seed, 0.35f)),
                  manager);
          BatchEngine engine = BatchEngine.builder().setModel(kernel).optMaxBatch(3).build()) {
        kernel.useDecodeWeights(WeightPrecision.F32);
        List<long[]> prompts = prompts();
        List<Collect> got = new ArrayList<>();
        List<SamplingConfig> cfgs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          SamplingConfig cfg = SamplingConfig.greedy(4 + 3 * i, Set.of());
          cfgs.add(cfg);
          Collect col = new Collect();
          engine.submit(new SequenceRequest(prompts.get(i), cfg, null), col);
          got.add(col);
        }
        for (int i = 0; i < prompts.size(); i++) {
          assertThat(got.get(i).await()).isEqualTo(FinishReason.LENGTH);
          assertThat(got.get(i).array())
              .as("%s sequence %d", c.modelType(), i)
              .containsExactly(alone(torch, prompts.get(i), cfgs.get(i)));
        }
        assertThat(kernel.decodeStepsInJvm() > 0)
            .as("engine steps wholly in the JVM from JDK 22")
            .isEqualTo(Runtime.version().feature() >= 22);
      }
    }
  }

  @Test
  void slidingWindowAttentionMatchesGenerateBeyondTheWindow() throws Exception {
    try (BatchEngine engine = BatchEngine.builder().setModel(windowed).optMaxBatch(2).build()) {
      List<long[]> prompts = prompts();
      List<Collect> got = new ArrayList<>();
      SamplingConfig cfg = SamplingConfig.greedy(14, Set.of());
      for (long[] p : prompts) {
        Collect c = new Collect();
        engine.submit(new SequenceRequest(p, cfg, null), c);
        got.add(c);
      }
      for (int i = 0; i < prompts.size(); i++) {
        got.get(i).await();
        assertThat(got.get(i).array())
            .as("sequence %d", i)
            .containsExactly(alone(windowed, prompts.get(i), cfg));
      }
    }
  }

  @Test
  void stopTokenEndsTheSequenceAndIsReported() throws Exception {
    long[] prompt = {1, 5, 9};
    long[] free = alone(model, prompt, SamplingConfig.greedy(8, Set.of()));
    long stop = free[3];
    int firstStop = 0;
    while (free[firstStop] != stop) {
      firstStop++;
    }
    try (BatchEngine engine = BatchEngine.builder().setModel(model).build()) {
      Collect c = new Collect();
      engine.submit(new SequenceRequest(prompt, SamplingConfig.greedy(8, Set.of(stop)), null), c);
      assertThat(c.await()).isEqualTo(FinishReason.STOP);
      assertThat(c.array()).containsExactly(Arrays.copyOf(free, firstStop + 1));
    }
  }

  @Test
  void cancellingARunningSequenceFreesItsSlotForTheNextOne() throws Exception {
    try (BatchEngine engine = BatchEngine.builder().setModel(model).optMaxBatch(1).build()) {
      CountDownLatch started = new CountDownLatch(3);
      Collect longOne =
          new Collect() {
            @Override
            public void onToken(long token) {
              super.onToken(token);
              started.countDown();
            }
          };
      Sequence s =
          engine.submit(
              new SequenceRequest(new long[] {1, 2}, SamplingConfig.greedy(90, Set.of()), null),
              longOne);
      Collect next = new Collect();
      SamplingConfig cfg = SamplingConfig.greedy(5, Set.of());
      engine.submit(new SequenceRequest(new long[] {1, 9}, cfg, null), next);
      assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(next.tokens).isEmpty(); // the only slot is taken
      s.cancel();
      assertThat(longOne.await()).isEqualTo(FinishReason.CANCELLED);
      assertThat(longOne.tokens.size()).isLessThan(90);
      assertThat(next.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(next.array()).containsExactly(alone(model, new long[] {1, 9}, cfg));
      assertThat(s.isDone()).isTrue();
    }
  }

  @Test
  void aFullQueueRefusesAndAWaitingSequenceCanBeCancelled() throws Exception {
    try (BatchEngine engine =
        BatchEngine.builder().setModel(model).optMaxBatch(1).optMaxQueue(2).build()) {
      SamplingConfig slow = SamplingConfig.greedy(90, Set.of());
      Collect first = new Collect();
      Sequence running = engine.submit(new SequenceRequest(new long[] {1}, slow, null), first);
      while (first.tokens.isEmpty()) {
        Thread.sleep(1);
      }
      Collect w1 = new Collect();
      Collect w2 = new Collect();
      Sequence q1 = engine.submit(new SequenceRequest(new long[] {1}, slow, null), w1);
      engine.submit(new SequenceRequest(new long[] {1}, slow, null), w2);
      assertThatThrownBy(
              () -> engine.submit(new SequenceRequest(new long[] {1}, slow, null), new Collect()))
          .isInstanceOf(QueueFullException.class);
      q1.cancel();
      assertThat(w1.await()).isEqualTo(FinishReason.CANCELLED);
      assertThat(w1.tokens).isEmpty();
      running.cancel();
    }
  }

  @Test
  void requestsBeyondTheSequenceLengthOrVocabularyAreRefused() {
    try (BatchEngine engine =
        BatchEngine.builder().setModel(model).optMaxSequenceLength(20).build()) {
      assertThatThrownBy(
              () ->
                  engine.submit(
                      new SequenceRequest(new long[15], SamplingConfig.greedy(6, Set.of()), null),
                      new Collect()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("exceeds the engine's sequence length 20");
      assertThatThrownBy(
              () ->
                  engine.submit(
                      new SequenceRequest(
                          new long[] {1, 61}, SamplingConfig.greedy(2, Set.of()), null),
                      new Collect()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("token id 61");
    }
    assertThatThrownBy(() -> BatchEngine.builder().setModel(model).optMaxSequenceLength(97).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max_position_embeddings 96");
  }

  @Test
  void anAdapterThatCannotBeAssignedFailsOnlyItsSequence() throws Exception {
    RowAdapters refusing =
        new RowAdapters() {
          @Override
          public void assign(int row, Object adapter) {
            if ("bad".equals(adapter)) {
              throw new IllegalArgumentException("bad adapter");
            }
          }

          @Override
          public void move(int from, int to) {}

          @Override
          public void clear(int row) {}

          @Override
          public void beginForward(int first, int rows) {}

          @Override
          public void endForward() {}
        };
    try (BatchEngine engine =
        BatchEngine.builder().setModel(model).optRowAdapters(refusing).build()) {
      Collect bad = new Collect();
      Collect good = new Collect();
      SamplingConfig cfg = SamplingConfig.greedy(4, Set.of());
      engine.submit(new SequenceRequest(new long[] {1, 3}, cfg, "bad"), bad);
      engine.submit(new SequenceRequest(new long[] {1, 3}, cfg, "good"), good);
      assertThat(bad.await()).isEqualTo(FinishReason.ERROR);
      assertThat(bad.error).hasMessage("bad adapter");
      assertThat(good.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(good.array()).containsExactly(alone(model, new long[] {1, 3}, cfg));
    }
  }

  /** An external sequence: the test plays the device that picks each token from the logits. */
  @Test
  void externalSequencesGetExactLogitsAndGoOnWithTheFedToken() throws Exception {
    long[] prompt = {1, 4, 8, 15};
    int steps = 6;
    List<float[]> seen = new CopyOnWriteArrayList<>();
    try (BatchEngine engine = BatchEngine.builder().setModel(model).optMaxBatch(3).build()) {
      // A sampled neighbour keeps running while the external one waits for its tokens.
      Collect neighbour = new Collect();
      SamplingConfig ncfg = SamplingConfig.greedy(20, Set.of());
      engine.submit(new SequenceRequest(new long[] {1, 30}, ncfg, null), neighbour);
      Sequence[] handle = new Sequence[1];
      CountDownLatch ready = new CountDownLatch(1);
      Collect ext =
          new Collect() {
            @Override
            public void onLogits(float[] logits) {
              seen.add(logits);
              try {
                ready.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              // Choose the second most likely token: not what greedy sampling would pick.
              int best = 0;
              int second = 1;
              for (int i = 0; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                  second = best;
                  best = i;
                } else if (i != best && logits[i] > logits[second]) {
                  second = i;
                }
              }
              long pick = second;
              Thread.ofVirtual().start(() -> handle[0].feed(pick));
            }
          };
      handle[0] =
          engine.submit(
              new SequenceRequest(prompt, SamplingConfig.greedy(steps, Set.of()), null, true), ext);
      ready.countDown();
      assertThat(ext.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(neighbour.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(neighbour.array()).containsExactly(alone(model, new long[] {1, 30}, ncfg));
      long[] chosen = ext.array();
      assertThat(chosen).hasSize(steps);
      assertThat(seen).hasSize(steps);
      // Each step's logits equal a full recomputation of the prefix with the fed tokens.
      long[] seq = prompt.clone();
      for (int i = 0; i < steps; i++) {
        try (NDManager m = manager.newSubManager()) {
          float[] all = model.logits(m.create(seq, new Shape(1, seq.length)), null).toFloatArray();
          float[] last = Arrays.copyOfRange(all, all.length - 61, all.length);
          float[] got = seen.get(i);
          for (int v = 0; v < last.length; v++) {
            assertThat(got[v]).as("step %d token %d", i, v).isCloseTo(last[v], within(1e-4f));
          }
        }
        seq = Arrays.copyOf(seq, seq.length + 1);
        seq[seq.length - 1] = chosen[i];
      }
    }
  }

  private static org.assertj.core.data.Offset<Float> within(float f) {
    return org.assertj.core.data.Offset.offset(f);
  }
}
