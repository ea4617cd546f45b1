package io.persona4j.steer.cloud;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CloudEngine} that batches sessions the simplest correct way (static batching in
 * cohorts): sessions that start while the engine is busy join the next cohort; a cohort's prompts
 * run as one left-padded batch, and then each step of the cohort is one forward pass over all its
 * rows, taken once every live row has its device's token (lockstep). A row whose session ended
 * idles through the remaining steps with a masked slot; a cohort is freed when all its sessions
 * ended. Each row computes what it would compute alone (its own RoPE positions, padding and idle
 * slots masked), up to the float rounding of batched matrix products.
 *
 * <p>The limits of the simple scheme: a cohort moves at the pace of its slowest device, and a
 * session never joins a running cohort. Continuous batching (sequences joining and leaving a
 * running batch at step boundaries) is the serving engine's; this engine is the stand-in while that
 * one is not available to this module.
 */
public final class CohortCloudEngine implements CloudEngine {
  private static final Logger LOG = LoggerFactory.getLogger(CohortCloudEngine.class);

  private final LlamaModel model;
  private final int maxBatch;
  private final int window;
  private final NDManager manager;
  private final Object lock = new Object();
  private final List<Join> joins = new ArrayList<>(); // guarded by lock
  private final List<Cohort> cohorts = new ArrayList<>(); // guarded by lock
  private final AtomicInteger active = new AtomicInteger();
  private final Thread worker;
  private volatile boolean closed;

  private record Join(long[] prompt, int capacity, CompletableFuture<Started> future) {}

  /** A session's row in a cohort. */
  private final class Row implements Sequence {
    final Cohort cohort;
    final int index;
    final int maxPosition; // exclusive bound of this row's positions
    int length; // tokens held (worker-written, read for reporting)
    long token = -1; // the device's pending token, guarded by lock
    CompletableFuture<float[]> next; // guarded by lock
    boolean released; // guarded by lock

    Row(Cohort cohort, int index, int maxPosition) {
      this.cohort = cohort;
      this.index = index;
      this.maxPosition = maxPosition;
    }

    @Override
    public int length() {
      return length;
    }
  }

  /** Sessions that started together: one KV cache, one forward pass per step. */
  private final class Cohort {
    final KvCache cache;
    final Row[] rows;
    final boolean[][] valid; // [row][slot]
    final long[] nextPosition;
    int slots; // shared write position

    Cohort(int rows, int capacity) {
      this.cache =
          new KvCache(
              manager,
              model.config().numHiddenLayers(),
              rows,
              model.config().numKeyValueHeads(),
              capacity,
              model.config().headDim());
      this.rows = new Row[rows];
      this.valid = new boolean[rows][capacity];
      this.nextPosition = new long[rows];
    }
  }

  /**
   * @param maxBatch most sessions in one cohort
   */
  public CohortCloudEngine(LlamaModel model, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    }
    this.model = model;
    this.maxBatch = maxBatch;
    this.window = model.config().attentionWindow();
    this.manager = TensorRuntime.newManager();
    this.worker = new Thread(this::loop, "steer-cloud-cohorts");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  @Override
  public CompletableFuture<Started> start(long[] prompt, int capacity) {
    if (prompt.length == 0 || capacity <= prompt.length) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "prompt of " + prompt.length + " tokens with capacity " + capacity));
    }
    if (capacity > model.config().maxPositionEmbeddings()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "capacity "
                  + capacity
                  + " exceeds max_position_embeddings "
                  + model.config().maxPositionEmbeddings()));
    }
    CompletableFuture<Started> f = new CompletableFuture<>();
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the engine is closed"));
      }
      joins.add(new Join(prompt.clone(), capacity, f));
      active.incrementAndGet();
      lock.notifyAll();
    }
    return f;
  }

  @Override
  public CompletableFuture<float[]> append(Sequence sequence, long token) {
    Row row = (Row) sequence;
    CompletableFuture<float[]> f = new CompletableFuture<>();
    synchronized (lock) {
      if (row.released || closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("sequence was released"));
      }
      if (row.token >= 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("a token is pending"));
      }
      if (row.length >= row.maxPosition) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "the sequence's " + row.maxPosition + " positions are used up"));
      }
      if (token < 0 || token >= model.config().vocabSize()) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException("token " + token + " outside the vocabulary"));
      }
      row.token = token;
      row.next = f;
      lock.notifyAll();
    }
    return f;
  }

  @Override
  public void release(Sequence sequence) {
    Row row = (Row) sequence;
    synchronized (lock) {
      if (row != null && !row.released) {
        row.released = true;
        active.decrementAndGet();
        if (row.next != null && !row.next.isDone()) {
          row.next.completeExceptionally(new IllegalStateException("sequence was released"));
        }
        lock.notifyAll();
      }
    }
  }

  @Override
  public int active() {
    return active.get();
  }

  private void loop() {
    while (true) {
      List<Join> starting = new ArrayList<>();
      List<Cohort> stepping = new ArrayList<>();
      List<long[]> tokens = new ArrayList<>();
      List<Cohort> finished = new ArrayList<>();
      synchronized (lock) {
        while (!closed && joins.isEmpty() && !anyWork()) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          break;
        }
        while (!joins.isEmpty() && starting.size() < maxBatch) {
          starting.add(joins.remove(0));
        }
        for (Cohort c : cohorts) {
          if (allReleased(c)) {
            finished.add(c);
          } else if (ready(c)) {
            long[] t = new long[c.rows.length];
            for (Row r : c.rows) {
              t[r.index] = r.released ? -1 : r.token;
              r.token = -1;
            }
            stepping.add(c);
            tokens.add(t);
          }
        }
        cohorts.removeAll(finished);
      }
      for (Cohort c : finished) {
        c.cache.close();
      }
      if (!starting.isEmpty()) {
        prefill(starting);
      }
      for (int i = 0; i < stepping.size(); i++) {
        step(stepping.get(i), tokens.get(i));
      }
    }
    synchronized (lock) {
      for (Join j : joins) {
        j.future.completeExceptionally(new IllegalStateException("the engine is closed"));
      }
      joins.clear();
      for (Cohort c : cohorts) {
        for (Row r : c.rows) {
          if (r.next != null && !r.next.isDone()) {
            r.next.completeExceptionally(new IllegalStateException("the engine is closed"));
          }
        }
        c.cache.close();
      }
      cohorts.clear();
    }
  }

  private boolean anyWork() {
    for (Cohort c : cohorts) {
      if (allReleased(c) || ready(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean allReleased(Cohort c) {
    for (Row r : c.rows) {
      if (!r.released) {
        return false;
      }
    }
    return true;
  }

  /** Every live row has its token. */
  private static boolean ready(Cohort c) {
    for (Row r : c.rows) {
      if (!r.released && r.token < 0) {
        return false;
      }
    }
    return true;
  }

  /** One left-padded forward pass over the starting sessions' prompts. */
  private void prefill(List<Join> starting) {
    int b = starting.size();
    int p = starting.stream().mapToInt(j -> j.prompt().length).max().orElseThrow();
    int room =
        starting.stream().mapToInt(j -> j.capacity() - j.prompt().length).max().orElseThrow();
    Cohort c;
    try {
      c = new Cohort(b, p + room);
    } catch (RuntimeException e) {
      starting.forEach(j -> fail(j, e));
      return;
    }
    long[] ids = new long[b * p];
    for (int r = 0; r < b; r++) {
      long[] prompt = starting.get(r).prompt();
      int pad = p - prompt.length;
      for (int s = 0; s < p; s++) {
        c.valid[r][s] = s >= pad;
        ids[r * p + s] = s >= pad ? prompt[s - pad] : 0L;
      }
      c.nextPosition[r] = prompt.length;
      c.rows[r] = new Row(c, r, starting.get(r).capacity());
      c.rows[r].length = prompt.length;
    }
    float[][] logits;
    try (NDManager m = manager.newSubManager()) {
      boolean[][] valid = slice(c.valid, p);
      NDArray idArr = m.create(ids, new Shape(b, p)); // [B, P]
      NDArray pos = m.create(LlamaModel.positionsFrom(valid), new Shape(b, p)); // [B, P]
      NDArray mask = AttentionMask.causal(valid, 0, p, window, m); // [B, 1, P, P]
      NDArray h = model.hidden(model.embed(idArr), pos, mask, c.cache); // [B, P, H]
      logits = rows(model.lmHead(h.get(new NDIndex(":, -1, :"))).toFloatArray(), b); // [B][V]
      c.slots = p;
    } catch (RuntimeException e) {
      LOG.warn("a cohort's prefill failed", e);
      c.cache.close();
      starting.forEach(j -> fail(j, e));
      return;
    }
    synchronized (lock) {
      cohorts.add(c);
    }
    for (int r = 0; r < b; r++) {
      starting.get(r).future().complete(new Started(c.rows[r], logits[r]));
    }
  }

  /** One position for every row of a cohort; rows whose session ended get a masked slot. */
  private void step(Cohort c, long[] tokens) {
    int b = c.rows.length;
    int s = c.slots;
    float[][] logits;
    try (NDManager m = manager.newSubManager()) {
      long[] ids = new long[b];
      long[] pos = new long[b];
      for (int r = 0; r < b; r++) {
        boolean live = tokens[r] >= 0;
        c.valid[r][s] = live;
        ids[r] = live ? tokens[r] : 0L;
        pos[r] = live ? c.nextPosition[r] : 0L;
      }
      NDArray mask = AttentionMask.causal(slice(c.valid, s + 1), s, 1, window, m); // [B,1,1,S+1]
      NDArray h =
          model.hidden(
              model.embed(m.create(ids, new Shape(b, 1))),
              m.create(pos, new Shape(b, 1)),
              mask,
              c.cache); // [B, 1, H]
      logits = rows(model.lmHead(h).toFloatArray(), b); // [B][V]
      c.slots = s + 1;
    } catch (RuntimeException e) {
      LOG.warn("a cohort's step failed", e);
      synchronized (lock) {
        for (Row r : c.rows) {
          if (r.next != null && !r.next.isDone()) {
            r.next.completeExceptionally(e);
          }
        }
      }
      return;
    }
    List<CompletableFuture<float[]>> done = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    synchronized (lock) {
      for (Row r : c.rows) {
        if (tokens[r.index] >= 0) {
          c.nextPosition[r.index]++;
          r.length++;
          if (!r.released && r.next != null) {
            done.add(r.next);
            values.add(logits[r.index]);
            r.next = null;
          }
        }
      }
    }
    for (int i = 0; i < done.size(); i++) {
      done.get(i).complete(values.get(i));
    }
  }

  private void fail(Join j, RuntimeException e) {
    active.decrementAndGet();
    j.future().completeExceptionally(e);
  }

  private static boolean[][] slice(boolean[][] valid, int len) {
    boolean[][] out = new boolean[valid.length][];
    for (int r = 0; r < valid.length; r++) {
      out[r] = Arrays.copyOf(valid[r], len);
    }
    return out;
  }

  private static float[][] rows(float[] flat, int b) {
    int v = flat.length / b;
    float[][] out = new float[b][];
    for (int r = 0; r < b; r++) {
      out[r] = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
    }
    return out;
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    try {
      worker.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    manager.close();
  }
}
