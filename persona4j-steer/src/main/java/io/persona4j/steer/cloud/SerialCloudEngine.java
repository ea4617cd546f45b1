/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.steer.DecodeStream;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A {@link CloudEngine} that runs every forward pass on one worker thread, one sequence at a time,
 * each sequence with its own batch-1 {@link DecodeStream}. No batching: concurrent sessions take
 * turns. The baseline the batching engine is compared with.
 */
public final class SerialCloudEngine implements CloudEngine {
  private final LlamaModel model;
  private final NDManager manager;
  private final ExecutorService worker;
  private final Set<Seq> live = ConcurrentHashMap.newKeySet();

  public SerialCloudEngine(LlamaModel model) {
    this.model = model;
    this.manager = TensorRuntime.newManager();
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "steer-cloud-engine");
              t.setDaemon(true);
              return t;
            });
  }

  private final class Seq implements Sequence {
    final DecodeStream stream;
    volatile boolean released;

    Seq(DecodeStream stream) {
      this.stream = stream;
    }

    @Override
    public int length() {
      return stream.length();
    }
  }

  @Override
  public CompletableFuture<Started> start(long[] prompt, int capacity) {
    long[] ids = prompt.clone();
    return submit(
        () -> {
          Seq s = new Seq(new DecodeStream(model, manager, capacity));
          try {
            float[] logits = s.stream.prefill(ids);
            live.add(s);
            return new Started(s, logits);
          } catch (RuntimeException e) {
            s.stream.close();
            throw e;
          }
        });
  }

  @Override
  public CompletableFuture<float[]> append(Sequence sequence, long token) {
    Seq s = (Seq) sequence;
    return submit(
        () -> {
          if (s.released) {
            throw new IllegalStateException("sequence was released");
          }
          return s.stream.append(token);
        });
  }

  @Override
  public void release(Sequence sequence) {
    Seq s = (Seq) sequence;
    if (s == null || s.released) {
      return;
    }
    s.released = true;
    try {
      worker.execute(
          () -> {
            if (live.remove(s)) {
              s.stream.close();
            }
          });
    } catch (RejectedExecutionException e) {
      // engine closed: close() frees everything
    }
  }

  @Override
  public int active() {
    return live.size();
  }

  private <T> CompletableFuture<T> submit(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, worker);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("cloud engine is closed"));
    }
  }

  @Override
  public void close() {
    worker.shutdown();
    try {
      worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Seq s : live) {
      s.stream.close();
    }
    live.clear();
    manager.close();
  }
}
