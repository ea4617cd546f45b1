/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.generate;

import io.persona4j.core.generate.batch.FinishReason;
import io.persona4j.core.generate.batch.Sequence;
import io.persona4j.core.generate.batch.SequenceListener;
import io.persona4j.core.tokenizer.StreamingDecoder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One request's generation as text: the engine's thread hands over token ids (nothing else, so the
 * engine never waits on a client); the request's own thread turns them into text with a streaming
 * decoder, applies the stop strings (cancelling the sequence at the first match) and reads the
 * deltas with {@link #next}.
 */
public final class TextGeneration implements SequenceListener {
  private record Finished(FinishReason reason, Throwable error) {}

  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<FinishReason> finished = new CompletableFuture<>();
  private final StreamingDecoder decoder;
  private final StopStrings stops;
  private final Set<Long> stopTokens;
  private final int promptTokens;
  private final long startNanos;
  private volatile Sequence sequence;
  private int completionTokens;
  private long firstTokenNanos;
  private String finishReason;
  private boolean done;

  TextGeneration(
      StreamingDecoder decoder, List<String> stops, Set<Long> stopTokens, int promptTokens) {
    this.decoder = decoder;
    this.stops = new StopStrings(stops);
    this.stopTokens = stopTokens;
    this.promptTokens = promptTokens;
    this.startNanos = System.nanoTime();
  }

  void attach(Sequence s) {
    this.sequence = s;
  }

  // ------------------------------------------------------------------ engine thread

  @Override
  public void onToken(long token) {
    events.add(token);
  }

  @Override
  public void onFinish(FinishReason reason, Throwable error) {
    events.add(new Finished(reason, error));
    finished.complete(reason);
  }

  /**
   * Completes (on the engine's thread) when the sequence has left the engine, however it ended:
   * then nothing the request lent it (its adapter) is in use any more.
   */
  public CompletableFuture<FinishReason> finished() {
    return finished;
  }

  // ------------------------------------------------------------------ request thread

  /**
   * The next piece of text, waiting for it; null once generation is over ({@link #finishReason}
   * then says why). Never returns an empty string.
   *
   * @throws GenerationException if the engine failed this sequence
   * @throws InterruptedException if the request thread is interrupted (the sequence is cancelled)
   */
  public String next() throws InterruptedException {
    while (!done) {
      Object e;
      try {
        e = events.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException x) {
        cancel();
        throw x;
      }
      if (e == null) {
        continue;
      }
      if (e instanceof Long token) {
        if (firstTokenNanos == 0) {
          firstTokenNanos = System.nanoTime();
        }
        if (stops.matched()) {
          continue; // generated after the stop string, before the cancel took effect
        }
        completionTokens++;
        if (stopTokens.contains(token)) {
          continue;
        }
        String out = stops.accept(decoder.push(token));
        if (stops.matched()) {
          cancel();
        }
        if (!out.isEmpty()) {
          return out;
        }
      } else {
        Finished f = (Finished) e;
        done = true;
        if (f.reason() == FinishReason.ERROR) {
          throw new GenerationException(f.error());
        }
        finishReason =
            stops.matched() || f.reason() == FinishReason.STOP
                ? "stop"
                : f.reason() == FinishReason.LENGTH ? "length" : "cancelled";
        String rest = stops.matched() ? "" : stops.accept(decoder.flush());
        rest += stops.flush();
        if (!rest.isEmpty()) {
          return rest;
        }
      }
    }
    return null;
  }

  /** Reads everything: the whole text. */
  public String all() throws InterruptedException {
    StringBuilder s = new StringBuilder();
    for (String p = next(); p != null; p = next()) {
      s.append(p);
    }
    return s.toString();
  }

  /** {@code stop}, {@code length} or {@code cancelled}; null while running. */
  public String finishReason() {
    return finishReason;
  }

  public int promptTokens() {
    return promptTokens;
  }

  /** Tokens generated (a final end-of-sequence token included). */
  public int completionTokens() {
    return completionTokens;
  }

  /** Seconds from submission to the first token, or -1 if none came. */
  public double timeToFirstTokenSeconds() {
    return firstTokenNanos == 0 ? -1 : (firstTokenNanos - startNanos) / 1e9;
  }

  /** {@link System#nanoTime()} when the request thread took the first token, or 0. */
  public long firstTokenNanos() {
    return firstTokenNanos;
  }

  /** Stops generating (e.g. the client went away); {@link #next} then ends. */
  public void cancel() {
    Sequence s = sequence;
    if (s != null) {
      s.cancel();
    }
  }

  /** The engine's handle. */
  public Sequence sequence() {
    return sequence;
  }

  /** The engine failed the sequence (a forward pass or its adapter). */
  public static final class GenerationException extends RuntimeException {
    GenerationException(Throwable cause) {
      super("generation failed: " + (cause == null ? "unknown error" : cause.getMessage()), cause);
    }
  }
}
