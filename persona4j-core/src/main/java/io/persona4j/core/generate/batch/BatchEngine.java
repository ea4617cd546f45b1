/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.generate.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.TorchOps;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching for a Llama-style decoder (iteration-level scheduling, as Orca and vLLM do):
 * one thread runs forward passes over every running sequence at once; new sequences join at the
 * next step boundary (one prefill pass for all of them, prompts of different lengths right-padded),
 * each sequence leaves as soon as it ends (stop token, token limit, cancellation), and its slot
 * goes to the next waiting one.
 *
 * <p>Each running sequence has a slot of a {@link SlotKvCache} and a row of every forward pass;
 * rows have their own lengths (the attention mask hides each row's unused positions) and their own
 * adapters ({@link RowAdapters}: rows of different users in one pass). A decode step computes one
 * new token for every row; a sequence therefore generates exactly what it would generate alone, up
 * to float rounding of the batched matmuls (greedy tokens agree unless two logits tie within that
 * rounding; {@code BatchEngineTest} checks them against {@link
 * io.persona4j.core.generate.Generator}).
 *
 * <p>Thread-safe: {@link #submit} and {@link Sequence#cancel} may be called from any thread. Build
 * with {@link #builder()}.
 */
public final class BatchEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);

  private final LlamaModel model;
  private final int maxBatch;
  private final int capacity;
  private final int maxPrefillTokens;
  private final RowAdapters adapters;
  private final EngineListener listener;
  private final BlockingQueue<Sequence> waiting;
  private final AtomicLong ids = new AtomicLong();
  private final NDManager manager;
  private final SlotKvCache cache;
  private final Thread thread;
  private final Sequence[] rows;
  private final int window;
  private volatile int running;
  private volatile boolean stopping;
  private volatile Throwable crashed;

  private BatchEngine(Builder b) {
    this.model = b.model;
    LlamaConfig c = model.config();
    this.maxBatch = b.maxBatch;
    this.capacity = b.maxSequenceLength > 0 ? b.maxSequenceLength : c.maxPositionEmbeddings();
    if (capacity > c.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "maxSequenceLength "
              + capacity
              + " exceeds the model's max_position_embeddings "
              + c.maxPositionEmbeddings());
    }
    this.maxPrefillTokens = Math.max(b.maxPrefillTokens, 1);
    this.adapters = b.adapters;
    this.listener = b.listener;
    this.waiting = new ArrayBlockingQueue<>(b.maxQueue);
    this.window = c.attentionWindow();
    this.rows = new Sequence[maxBatch];
    this.manager = TensorRuntime.newManager();
    try {
      this.cache =
          new SlotKvCache(
              manager, c.numHiddenLayers(), maxBatch, c.numKeyValueHeads(), capacity, c.headDim());
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    this.thread = new Thread(this::loop, "persona4j-batch-engine");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Queues a sequence; it joins the running batch at the next step boundary with a free slot.
   *
   * @throws QueueFullException if {@code maxQueue} sequences are already waiting
   * @throws IllegalArgumentException if prompt plus token limit exceed the engine's sequence
   *     length, or a token id is outside the vocabulary
   * @throws IllegalStateException if the engine is closed or crashed
   */
  public Sequence submit(SequenceRequest request, SequenceListener sequenceListener)
      throws QueueFullException {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(sequenceListener, "listener");
    if (stopping || crashed != null) {
      throw new IllegalStateException("the batch engine is closed", crashed);
    }
    int need = request.promptLength() + request.sampling().maxNewTokens();
    if (need > capacity) {
      throw new IllegalArgumentException(
          "prompt ("
              + request.promptLength()
              + " tokens) + max new tokens ("
              + request.sampling().maxNewTokens()
              + ") = "
              + need
              + " exceeds the engine's sequence length "
              + capacity);
    }
    int vocab = model.config().vocabSize();
    for (long id : request.prompt()) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("token id " + id + " outside [0, " + vocab + ")");
      }
    }
    Sequence s = new Sequence(ids.incrementAndGet(), request, sequenceListener, capacity);
    s.attach(this);
    if (!waiting.offer(s)) {
      throw new QueueFullException(waiting.size());
    }
    LockSupport.unpark(thread);
    return s;
  }

  /** Whether the engine's thread runs (not closed, not crashed). */
  public boolean isRunning() {
    return !stopping && crashed == null && thread.isAlive();
  }

  /** Sequences waiting for a slot. */
  public int queued() {
    return waiting.size();
  }

  /** Sequences in the running batch. */
  public int running() {
    return running;
  }

  public int maxBatch() {
    return maxBatch;
  }

  public int maxQueue() {
    return waiting.size() + waiting.remainingCapacity();
  }

  /** The longest prompt plus new tokens a sequence may have. */
  public int maxSequenceLength() {
    return capacity;
  }

  /** Bytes of the KV-cache slots. */
  public long cacheBytes() {
    return cache.bytes();
  }

  public LlamaModel model() {
    return model;
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  /** Stops the engine: every waiting and running sequence finishes as cancelled. */
  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("the batch engine's thread did not stop within 30 s; its memory stays allocated");
      return;
    }
    cache.close();
    manager.close();
  }

  // ---------------------------------------------------------------- the loop (engine thread)

  private int n; // rows [0, n) hold running sequences

  private void loop() {
    try {
      while (!stopping) {
        boolean worked = step();
        if (!worked) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
      }
    } catch (Throwable t) {
      crashed = t;
      LOG.error("the batch engine stopped on an unexpected error", t);
    } finally {
      for (int r = n - 1; r >= 0; r--) {
        Sequence s = rows[r];
        removeRow(r);
        s.finish(crashed == null ? FinishReason.CANCELLED : FinishReason.ERROR, crashed);
      }
      for (Sequence s = waiting.poll(); s != null; s = waiting.poll()) {
        s.finish(crashed == null ? FinishReason.CANCELLED : FinishReason.ERROR, crashed);
      }
    }
  }

  /** One scheduling iteration; false if there was nothing to do. */
  private boolean step() {
    dropCancelled();
    takeFedTokens();
    List<Sequence> joining = admit();
    boolean worked = false;
    if (!joining.isEmpty()) {
      prefill(joining);
      worked = true;
    }
    dropFinished();
    if (anyReady()) {
      decode();
      dropFinished();
      worked = true;
    }
    running = n;
    return worked;
  }

  private void dropCancelled() {
    waiting.removeIf(
        s -> {
          if (s.isCancelled()) {
            s.finish(FinishReason.CANCELLED, null);
            return true;
          }
          return false;
        });
    for (int r = n - 1; r >= 0; r--) {
      if (rows[r].isCancelled()) {
        Sequence s = rows[r];
        removeRow(r);
        s.finish(FinishReason.CANCELLED, null);
      }
    }
  }

  /** Records the tokens callers chose for external sequences. */
  private void takeFedTokens() {
    for (int r = 0; r < n; r++) {
      Sequence s = rows[r];
      if (s.awaiting) {
        long t = s.takeFed();
        if (t != Sequence.NONE) {
          s.awaiting = false;
          if (t >= model.config().vocabSize()) {
            s.cancel();
            continue;
          }
          s.emit(t);
          markIfDone(s);
        }
      }
    }
  }

  private boolean anyReady() {
    for (int r = 0; r < n; r++) {
      if (!rows[r].awaiting && doneReason(rows[r]) == null) {
        return true;
      }
    }
    return false;
  }

  /** Takes waiting sequences into free rows, within the prefill token budget. */
  private List<Sequence> admit() {
    List<Sequence> joining = new ArrayList<>();
    int longest = 0;
    while (n + joining.size() < maxBatch) {
      Sequence s = waiting.peek();
      if (s == null) {
        break;
      }
      int len = s.request().promptLength();
      int padded = Math.max(longest, len) * (joining.size() + 1);
      if (!joining.isEmpty() && padded > maxPrefillTokens) {
        break;
      }
      waiting.poll();
      if (s.isCancelled()) {
        s.finish(FinishReason.CANCELLED, null);
        continue;
      }
      int row = n + joining.size();
      try {
        adapters.assign(row, s.request().adapter());
      } catch (RuntimeException e) {
        adapters.clear(row);
        s.finish(FinishReason.ERROR, e);
        continue;
      }
      rows[row] = s;
      joining.add(s);
      longest = Math.max(longest, len);
    }
    return joining;
  }

  /** One forward pass over the joining sequences' prompts; each gets its first token. */
  private void prefill(List<Sequence> joining) {
    long t0 = System.nanoTime();
    int first = n;
    int k = joining.size();
    int t = 0;
    for (Sequence s : joining) {
      t = Math.max(t, s.request().promptLength());
    }
    n += k;
    running = n;
    float[][] logits;
    try (NDManager m = manager.newSubManager()) {
      long[] ids = new long[k * t];
      long[] pos = new long[k * t];
      boolean[][] valid = new boolean[k][t];
      long[] last = new long[k];
      for (int i = 0; i < k; i++) {
        long[] p = joining.get(i).request().prompt();
        for (int c = 0; c < t; c++) {
          boolean real = c < p.length;
          valid[i][c] = real;
          ids[i * t + c] = real ? p[c] : 0L;
          pos[i * t + c] = real ? c : p.length - 1;
        }
        last[i] = (long) i * t + p.length - 1;
      }
      NDArray mask = AttentionMask.causal(valid, 0, t, window, m); // [k, 1, t, t]
      cache.beginPrefill(first, k);
      adapters.beginForward(first, k);
      try {
        NDArray idArr = m.create(ids, new Shape(k, t)); // [k, t]
        NDArray posArr = m.create(pos, new Shape(k, t)); // [k, t]
        NDArray h = model.hidden(model.embed(idArr), posArr, mask, cache); // [k, t, H]
        NDArray lastH = TorchOps.rows(h.reshape(k * t, -1), m.create(last)); // [k, H]
        logits = split(model.lmHead(lastH).toFloatArray(), k); // [k][V]
      } finally {
        adapters.endForward();
        cache.end();
      }
    } catch (RuntimeException e) {
      failRows(first, k, e);
      return;
    }
    for (Sequence s : joining) {
      s.cached = s.request().promptLength();
    }
    nextTokens(joining.toArray(Sequence[]::new), logits);
    listener.onForward(
        EngineListener.Pass.PREFILL, k, k * t, distinct(first, k), System.nanoTime() - t0);
  }

  /** One new position for every row; rows waiting for an external token idle through it. */
  private void decode() {
    long t0 = System.nanoTime();
    int rowsNow = n;
    float[][] logits;
    boolean[] ready = new boolean[rowsNow];
    try (NDManager m = manager.newSubManager()) {
      long[] ids = new long[rowsNow];
      long[] pos = new long[rowsNow];
      int span = 0;
      for (int r = 0; r < rowsNow; r++) {
        Sequence s = rows[r];
        ready[r] = !s.awaiting;
        ids[r] = s.last;
        pos[r] = s.cached;
        span = Math.max(span, s.cached + 1);
      }
      float[] maskValues = new float[rowsNow * span];
      for (int r = 0; r < rowsNow; r++) {
        int p = (int) pos[r];
        for (int j = 0; j < span; j++) {
          boolean ok = j <= p && (window <= 0 || p - j < window);
          maskValues[r * span + j] = ok ? 0f : AttentionMask.MASKED;
        }
      }
      NDArray mask = m.create(maskValues, new Shape(rowsNow, 1, 1, span)); // [n, 1, 1, span]
      cache.beginDecode(rowsNow, pos, span, m);
      adapters.beginForward(0, rowsNow);
      try {
        NDArray idArr = m.create(ids, new Shape(rowsNow, 1)); // [n, 1]
        NDArray posArr = m.create(pos, new Shape(rowsNow, 1)); // [n, 1]
        NDArray h = model.hidden(model.embed(idArr), posArr, mask, cache); // [n, 1, H]
        logits = split(model.lmHead(h).toFloatArray(), rowsNow); // [n][V]
      } finally {
        adapters.endForward();
        cache.end();
      }
    } catch (RuntimeException e) {
      failRows(0, rowsNow, e);
      return;
    }
    Sequence[] stepped = new Sequence[rowsNow];
    for (int r = 0; r < rowsNow; r++) {
      if (ready[r]) {
        stepped[r] = rows[r];
        stepped[r].cached++;
      }
    }
    nextTokens(stepped, logits);
    listener.onForward(
        EngineListener.Pass.DECODE, rowsNow, rowsNow, distinct(0, rowsNow), System.nanoTime() - t0);
  }

  /**
   * Samples (or hands out) the next token of each sequence (null entries skipped) from its logits.
   * Sampling from a whole vocabulary costs about a millisecond per row, so rows that sample rather
   * than take the argmax are drawn in parallel (each sampler touches only its own sequence); the
   * tokens are then reported in row order on this thread.
   */
  private void nextTokens(Sequence[] seqs, float[][] logits) {
    long[] chosen = new long[seqs.length];
    int sampling = 0;
    for (Sequence s : seqs) {
      if (s != null && !s.request().external() && !s.request().sampling().greedy()) {
        sampling++;
      }
    }
    IntStream rowsToDraw = IntStream.range(0, seqs.length);
    if (sampling >= 4) {
      rowsToDraw = rowsToDraw.parallel();
    }
    rowsToDraw.forEach(
        r -> {
          Sequence s = seqs[r];
          if (s != null && !s.isCancelled() && !s.request().external()) {
            chosen[r] = s.sampler.next(logits[r], s.history, s.historyLength);
          }
        });
    for (int r = 0; r < seqs.length; r++) {
      Sequence s = seqs[r];
      if (s == null || s.isCancelled()) {
        continue;
      }
      if (s.request().external()) {
        s.deliver(logits[r]);
      } else {
        s.emit(chosen[r]);
        markIfDone(s);
      }
    }
  }

  private final Set<Sequence> done = Collections.newSetFromMap(new IdentityHashMap<>());

  private void markIfDone(Sequence s) {
    if (doneReason(s) != null) {
      done.add(s);
    }
  }

  private static FinishReason doneReason(Sequence s) {
    if (s.generatedTokens() > 0 && s.request().sampling().stopTokens().contains(s.last)) {
      return FinishReason.STOP;
    }
    if (s.generatedTokens() >= s.request().sampling().maxNewTokens()) {
      return FinishReason.LENGTH;
    }
    return null;
  }

  private void dropFinished() {
    for (int r = n - 1; r >= 0; r--) {
      Sequence s = rows[r];
      if (s.isCancelled()) {
        removeRow(r);
        done.remove(s);
        s.finish(FinishReason.CANCELLED, null);
      } else if (done.remove(s)) {
        removeRow(r);
        s.finish(doneReason(s), null);
      }
    }
  }

  /** Frees row r: the last row moves into it (cache slot and adapter) so rows stay [0, n). */
  private void removeRow(int r) {
    int lastRow = n - 1;
    if (r != lastRow) {
      Sequence moved = rows[lastRow];
      cache.move(lastRow, r, moved.cached);
      adapters.move(lastRow, r);
      rows[r] = moved;
    } else {
      adapters.clear(r);
    }
    rows[lastRow] = null;
    n--;
    running = n;
  }

  /** A forward pass failed: its rows end with the error, the others go on. */
  private void failRows(int first, int count, RuntimeException e) {
    LOG.error("a forward pass over {} sequences failed; they end with an error", count, e);
    for (int r = first + count - 1; r >= first; r--) {
      Sequence s = rows[r];
      removeRow(r);
      done.remove(s);
      s.finish(FinishReason.ERROR, e);
    }
  }

  private int distinct(int first, int count) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int r = first; r < first + count; r++) {
      Object a = rows[r].request().adapter();
      if (a != null) {
        seen.add(a);
      }
    }
    return seen.size();
  }

  private static float[][] split(float[] flat, int rowsCount) {
    int v = flat.length / rowsCount;
    float[][] out = new float[rowsCount][];
    for (int r = 0; r < rowsCount; r++) {
      out[r] = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
    }
    return out;
  }

  /** Builds a {@link BatchEngine} (DJL's convention: {@code setX} required, {@code optX} not). */
  public static final class Builder {
    private LlamaModel model;
    private int maxBatch = 16;
    private int maxQueue = 256;
    private int maxSequenceLength;
    private int maxPrefillTokens = 4096;
    private RowAdapters adapters = RowAdapters.NONE;
    private EngineListener listener = EngineListener.NONE;

    private Builder() {}

    /** The decoder (required). */
    public Builder setModel(LlamaModel model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Rows of the running batch, and KV-cache slots (default 16). */
    public Builder optMaxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** Sequences that may wait for a slot before {@link #submit} refuses (default 256). */
    public Builder optMaxQueue(int maxQueue) {
      this.maxQueue = maxQueue;
      return this;
    }

    /**
     * Longest prompt plus new tokens of one sequence, the KV-cache slots' length (default the
     * model's max_position_embeddings).
     */
    public Builder optMaxSequenceLength(int maxSequenceLength) {
      this.maxSequenceLength = maxSequenceLength;
      return this;
    }

    /**
     * Padded prompt tokens one prefill pass may take (default 4096; at least one prompt always
     * joins), which bounds how long joining sequences stall the running ones.
     */
    public Builder optMaxPrefillTokens(int maxPrefillTokens) {
      this.maxPrefillTokens = maxPrefillTokens;
      return this;
    }

    /** Per-row adapters (default none: every row runs the base model). */
    public Builder optRowAdapters(RowAdapters adapters) {
      this.adapters = Objects.requireNonNull(adapters, "adapters");
      return this;
    }

    /** Observer of every forward pass (metrics). */
    public Builder optListener(EngineListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Allocates the KV-cache slots and starts the engine's thread.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public BatchEngine build() {
      if (model == null) {
        throw new IllegalArgumentException("setModel is required");
      }
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
      }
      if (maxQueue < 1) {
        throw new IllegalArgumentException("maxQueue must be >= 1, got " + maxQueue);
      }
      if (maxSequenceLength < 0) {
        throw new IllegalArgumentException(
            "maxSequenceLength must be >= 1 (0: the model's), got " + maxSequenceLength);
      }
      return new BatchEngine(this);
    }
  }
}
