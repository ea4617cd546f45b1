/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.sim;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.ClientStats;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Grid;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Grid} for simulation: many virtual clients in one JVM, each call on its own virtual
 * thread. At most {@code maxConcurrent} clients run at once (bounding the memory of in-flight local
 * training); waiting for a slot counts against the deadline. A client that throws is {@link
 * Failure.Kind#DROPPED}; one not done at the deadline is interrupted and is {@link
 * Failure.Kind#TIMEOUT}, and its late result is discarded. A reply naming another client or round
 * than its instruction is {@link Failure.Kind#INVALID_REPLY} (a real transport gets the same
 * guarantee from client authentication).
 */
public final class InMemoryGrid implements Grid, AutoCloseable {

  private final Map<String, ClientApp> apps;
  private final Semaphore slots;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * @param apps client application per client id
   * @param maxConcurrent maximum number of clients running at once, {@code >= 1}
   */
  public InMemoryGrid(Map<String, ? extends ClientApp> apps, int maxConcurrent) {
    if (apps.isEmpty()) {
      throw new IllegalArgumentException("apps must not be empty");
    }
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be >= 1, got " + maxConcurrent);
    }
    this.apps = new TreeMap<>(apps);
    this.slots = new Semaphore(maxConcurrent, true);
  }

  @Override
  public List<String> clients() {
    return List.copyOf(apps.keySet());
  }

  @Override
  public RoundResult send(List<Instruction> instructions, Duration deadline) {
    long start = System.nanoTime();
    long deadlineNanos = start + deadline.toNanos();
    Set<String> seen = new HashSet<>();
    List<Reply> replies = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    List<ClientStats> stats = new ArrayList<>();
    List<Future<Reply>> futures = new ArrayList<>();
    List<AtomicLong> localNanos = new ArrayList<>();
    for (Instruction in : instructions) {
      if (!seen.add(in.clientId())) {
        throw new IllegalArgumentException("two instructions for client '" + in.clientId() + "'");
      }
      ClientApp app = apps.get(in.clientId());
      AtomicLong elapsed = new AtomicLong(-1);
      localNanos.add(elapsed);
      futures.add(app == null ? null : executor.submit(() -> call(app, in, elapsed)));
    }
    for (int i = 0; i < instructions.size(); i++) {
      Instruction in = instructions.get(i);
      Future<Reply> f = futures.get(i);
      String id = in.clientId();
      long down = in.byteSize();
      if (f == null) {
        failures.add(new Failure(id, Failure.Kind.UNKNOWN_CLIENT, "no client '" + id + "'"));
        stats.add(new ClientStats(id, 0, 0, 0));
        continue;
      }
      try {
        Reply r = f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r == null) {
          throw new ExecutionException(new NullPointerException("client returned null"));
        }
        stats.add(new ClientStats(id, down, r.byteSize(), localNanos.get(i).get()));
        if (!r.clientId().equals(id) || r.round() != in.round()) {
          failures.add(
              new Failure(
                  id,
                  Failure.Kind.INVALID_REPLY,
                  "reply names client '"
                      + r.clientId()
                      + "' round "
                      + r.round()
                      + ", expected '"
                      + id
                      + "' round "
                      + in.round()
                      + " (a reply named another client)"));
        } else {
          replies.add(r);
        }
      } catch (TimeoutException e) {
        f.cancel(true);
        failures.add(new Failure(id, Failure.Kind.TIMEOUT, "no reply within deadline " + deadline));
        stats.add(new ClientStats(id, down, 0, System.nanoTime() - start));
      } catch (ExecutionException e) {
        Throwable c = e.getCause() == null ? e : e.getCause();
        failures.add(
            new Failure(
                id, Failure.Kind.DROPPED, c.getClass().getSimpleName() + ": " + c.getMessage()));
        stats.add(new ClientStats(id, down, 0, Math.max(0, localNanos.get(i).get())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        futures.forEach(
            x -> {
              if (x != null) {
                x.cancel(true);
              }
            });
        throw new IllegalStateException("interrupted while waiting for round replies", e);
      }
    }
    return new RoundResult(replies, failures, stats);
  }

  private Reply call(ClientApp app, Instruction in, AtomicLong elapsed) throws Exception {
    slots.acquire();
    long t0 = System.nanoTime();
    try {
      return switch (in.task()) {
        case FIT -> app.fit(in);
        case EVALUATE -> app.evaluate(in);
      };
    } finally {
      elapsed.set(System.nanoTime() - t0);
      slots.release();
    }
  }

  /** Stops the executor, interrupting clients still running. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
