/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.batch.BatchEngine;
import io.persona4j.core.generate.batch.FinishReason;
import io.persona4j.core.generate.batch.QueueFullException;
import io.persona4j.core.generate.batch.SequenceListener;
import io.persona4j.core.generate.batch.SequenceRequest;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The batching {@link CloudEngine}: the serving module's continuous batching ({@link BatchEngine},
 * in core) with <em>external</em> sequences. Each session is one sequence of the engine: its prompt
 * joins the running batch at the next step boundary, the engine hands each step's logits to the
 * session and waits for the device's token while the other sessions' rows go on, and a session
 * leaves the batch (its KV-cache slot freed for the next one) as soon as it ends. Every step of
 * every session that has its token is one forward pass over the running batch.
 *
 * <p>Each row computes what it would compute alone, up to the float rounding of batched matrix
 * products ({@code BatchCloudEngineTest} compares with {@link SerialCloudEngine}).
 */
public final class BatchCloudEngine implements CloudEngine {
  private final BatchEngine engine;
  private final int vocab;
  private final AtomicInteger active = new AtomicInteger();

  /**
   * @param maxBatch rows of the running batch (KV-cache slots); further sessions wait for a slot
   * @param maxQueue sessions that may wait for a slot
   * @param maxSequenceLength longest prompt plus new tokens of a session (the slots' length)
   */
  public BatchCloudEngine(LlamaModel model, int maxBatch, int maxQueue, int maxSequenceLength) {
    this.vocab = model.config().vocabSize();
    this.engine =
        BatchEngine.builder()
            .setModel(model)
            .optMaxBatch(maxBatch)
            .optMaxQueue(maxQueue)
            .optMaxSequenceLength(maxSequenceLength)
            .build();
  }

  /** A session's sequence: the engine's handle and the future of its next logits. */
  private final class Seq implements CloudEngine.Sequence, SequenceListener {
    private final CompletableFuture<Started> started = new CompletableFuture<>();
    private io.persona4j.core.generate.batch.Sequence handle; // set once submitted
    private CompletableFuture<float[]> next; // guarded by this
    private int length; // guarded by this
    private boolean released; // guarded by this
    private boolean finished; // guarded by this

    Seq(int promptLength) {
      this.length = promptLength;
    }

    @Override
    public synchronized int length() {
      return length;
    }

    @Override
    public void onToken(long token) {
      synchronized (this) {
        length++;
      }
    }

    @Override
    public void onLogits(float[] logits) {
      CompletableFuture<float[]> f;
      synchronized (this) {
        f = next;
        next = null;
      }
      if (!started.isDone()) {
        started.complete(new Started(this, logits));
      } else if (f != null) {
        f.complete(logits);
      }
    }

    @Override
    public void onFinish(FinishReason reason, Throwable error) {
      CompletableFuture<float[]> f;
      boolean counted;
      synchronized (this) {
        finished = true;
        f = next;
        next = null;
        counted = !released;
        released = true;
      }
      if (counted) {
        active.decrementAndGet();
      }
      IllegalStateException e =
          new IllegalStateException(
              "the sequence left the batch: " + reason + (error == null ? "" : ": " + error),
              error);
      started.completeExceptionally(e);
      if (f != null) {
        f.completeExceptionally(e);
      }
    }
  }

  @Override
  public CompletableFuture<Started> start(long[] prompt, int capacity) {
    if (prompt.length == 0 || capacity <= prompt.length) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "prompt of " + prompt.length + " tokens with capacity " + capacity));
    }
    Seq s = new Seq(prompt.length);
    // The engine delivers logits after the prompt and after each of capacity - prompt - 1 fed
    // tokens; the token limit (capacity - prompt) is never reached by feeding, so no stop applies.
    SamplingConfig sampling = SamplingConfig.greedy(capacity - prompt.length, Set.of());
    active.incrementAndGet();
    try {
      s.handle = engine.submit(new SequenceRequest(prompt, sampling, null, true), s);
    } catch (QueueFullException | IllegalArgumentException | IllegalStateException e) {
      active.decrementAndGet();
      return CompletableFuture.failedFuture(e);
    }
    return s.started;
  }

  @Override
  public CompletableFuture<float[]> append(CloudEngine.Sequence sequence, long token) {
    Seq s = (Seq) sequence;
    CompletableFuture<float[]> f = new CompletableFuture<>();
    synchronized (s) {
      if (s.released || s.finished) {
        return CompletableFuture.failedFuture(new IllegalStateException("sequence was released"));
      }
      if (s.next != null) {
        return CompletableFuture.failedFuture(new IllegalStateException("a token is pending"));
      }
      if (token < 0 || token >= vocab) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException("token " + token + " outside the vocabulary"));
      }
      if (s.length + 1
          >= s.handle.request().promptLength() + s.handle.request().sampling().maxNewTokens()) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("the sequence's positions are used up"));
      }
      s.next = f;
    }
    try {
      s.handle.feed(token);
    } catch (RuntimeException e) {
      synchronized (s) {
        s.next = null;
      }
      return CompletableFuture.failedFuture(e);
    }
    return f;
  }

  @Override
  public void release(CloudEngine.Sequence sequence) {
    Seq s = (Seq) sequence;
    if (s == null) {
      return;
    }
    boolean counted;
    synchronized (s) {
      counted = !s.released;
      s.released = true;
    }
    if (counted) {
      active.decrementAndGet();
    }
    s.handle.cancel();
  }

  @Override
  public int active() {
    return active.get();
  }

  /** The underlying engine (metrics: running and queued sequences). */
  public BatchEngine engine() {
    return engine;
  }

  @Override
  public void close() {
    engine.close();
  }
}
