/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

import io.persona4j.core.generate.Sampler;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A submitted sequence: the caller's handle ({@link #cancel()}) and the engine's per-sequence state
 * (its sampler, history and cache length), which only the engine's thread touches.
 */
public final class Sequence {
  private final long id;
  private final SequenceRequest request;
  private final SequenceListener listener;
  private final long submittedNanos;
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile int generated;
  private final AtomicLong fed = new AtomicLong(NONE); // external: the caller's next token
  private volatile BatchEngine engine;
  static final long NONE = Long.MIN_VALUE;

  // Engine thread only.
  final Sampler sampler;
  final long[] history;
  int historyLength;
  int cached; // positions written to the KV cache
  long last; // last generated token, fed at the next decode step
  boolean awaiting; // external: logits delivered, waiting for feed()

  Sequence(long id, SequenceRequest request, SequenceListener listener, int capacity) {
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.submittedNanos = System.nanoTime();
    this.sampler =
        new Sampler(request.sampling(), new SplittableRandom(request.sampling().seed()).split());
    this.history = new long[capacity];
    System.arraycopy(request.prompt(), 0, history, 0, request.prompt().length);
    this.historyLength = request.prompt().length;
  }

  /** A number unique within the engine, in submission order. */
  public long id() {
    return id;
  }

  public SequenceRequest request() {
    return request;
  }

  /** {@link System#nanoTime()} at submission. */
  public long submittedNanos() {
    return submittedNanos;
  }

  /** Tokens generated so far. */
  public int generatedTokens() {
    return generated;
  }

  /**
   * Asks the engine to drop this sequence at the next step boundary (or at once if it is still
   * waiting); its listener then gets {@link FinishReason#CANCELLED}. Idempotent; no effect once it
   * finished.
   */
  public void cancel() {
    cancelled = true;
    BatchEngine e = engine;
    if (e != null) {
      e.wake();
    }
  }

  /**
   * The token chosen for an {@linkplain SequenceRequest#external() external} sequence after its
   * {@link SequenceListener#onLogits}; the engine records it at the next step boundary.
   *
   * @throws IllegalStateException if the sequence is not external or a token is already pending
   */
  public void feed(long token) {
    if (!request.external()) {
      throw new IllegalStateException("sequence " + id + " is sampled by the engine");
    }
    if (token < 0) {
      throw new IllegalArgumentException("token " + token + " < 0");
    }
    if (!fed.compareAndSet(NONE, token)) {
      throw new IllegalStateException("sequence " + id + " already has a token pending");
    }
    BatchEngine e = engine;
    if (e != null) {
      e.wake();
    }
  }

  /** Takes the fed token, or {@link #NONE}. */
  long takeFed() {
    return fed.getAndSet(NONE);
  }

  void attach(BatchEngine e) {
    this.engine = e;
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** Whether the listener got its {@code onFinish}. */
  public boolean isDone() {
    return finished.get();
  }

  /** Hands logits to the listener; false if it failed (the sequence is then cancelled). */
  boolean deliver(float[] logits) {
    awaiting = true;
    try {
      listener.onLogits(logits);
      return true;
    } catch (RuntimeException e) {
      cancelled = true;
      return false;
    }
  }

  /** Records and reports a token; false if the listener failed (the sequence is then cancelled). */
  boolean emit(long token) {
    history[historyLength++] = token;
    last = token;
    generated++;
    try {
      listener.onToken(token);
      return true;
    } catch (RuntimeException e) {
      cancelled = true;
      return false;
    }
  }

  /** Reports the end once. */
  void finish(FinishReason reason, Throwable error) {
    if (finished.compareAndSet(false, true)) {
      try {
        listener.onFinish(reason, error);
      } catch (RuntimeException ignored) {
        // the caller's problem; the engine goes on
      }
    }
  }
}
