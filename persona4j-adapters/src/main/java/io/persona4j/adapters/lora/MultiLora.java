/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.generate.batch.RowAdapters;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.TorchOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of different LoRA adapters in one forward pass (BGMV-style, as Punica and S-LoRA batch many
 * adapters): every linear layer of the model computes its base matmul once for the whole batch,
 * then adds each row's own LoRA term, {@code y[i] += (x[i] A_i^T) (s_i B_i^T)}, as one pair of
 * batched matmuls over per-row factors.
 *
 * <p>The per-row factors are gathered once, when a row gets its adapter, not at every step: per
 * adapted module this keeps {@code A^T [maxRows, in, r_max]} and {@code (sB)^T [maxRows, r_max,
 * out]}, row {@code i} holding a copy of its adapter's factors, zero-padded to the largest rank
 * seen (exact zeros), B pre-multiplied by the adapter's scale. A base-model row, and a row whose
 * adapter does not target the module, has zero B there and so gets exactly the base output. A step
 * then costs two batched matmuls and an add per adapted module, whatever the number of distinct
 * adapters; the copies cost {@code r (in + out)} floats per row and module. Joining, leaving and
 * moving rows costs a few copies per module, once.
 *
 * <p>{@link #install} wraps every linear layer of the model in a {@link RowLoraLinear} that asks
 * this object for its term; {@link #close()} puts the original layers back. The {@link RowAdapters}
 * calls (from {@link io.persona4j.core.generate.batch.BatchEngine}, or from a caller batching
 * encoder inputs) say which adapter each row has; the objects assigned must be {@link
 * ServingAdapter}s loaded for the same model. Not thread-safe: one thread runs the forward passes
 * and the row calls.
 */
public final class MultiLora implements RowAdapters, AutoCloseable {
  private final AdaptableModel model;
  private final NDManager manager;
  private final int maxRows;
  private final Map<String, Module> modules = new LinkedHashMap<>();
  private final Map<String, Linear> originals = new LinkedHashMap<>();
  private final ServingAdapter[] rowAdapter;
  private int first;
  private int count;
  private boolean inForward;

  /** One wrapped linear layer's per-row factors. */
  final class Module {
    final String path;
    final long in;
    final long out;
    int rank; // r_max of the stacks (0: nothing assigned yet)
    NDArray aT; // [maxRows, in, rank]
    NDArray bT; // [maxRows, rank, out]
    private NDArray aView; // rows [viewFirst, viewFirst + viewCount) of aT
    private NDArray bView;
    private int viewFirst;
    private int viewCount;
    final int[] rowRank; // rank of the factors row i holds (0: none; then its B^T is 0)
    final int[] dirty; // B^T of row i may be non-zero in rank columns [0, dirty[i])
    boolean active; // some row of the current forward pass has factors here

    Module(String path, long in, long out) {
      this.path = path;
      this.in = in;
      this.out = out;
      this.rowRank = new int[maxRows];
      this.dirty = new int[maxRows];
    }

    /** This module's LoRA term for the rows of the current pass, or null if none has one. */
    NDArray delta(NDArray x) {
      if (!inForward || !active) {
        return null;
      }
      Shape s = x.getShape();
      if (s.get(0) != count) {
        throw new IllegalStateException(
            path + ": input has " + s.get(0) + " rows, the forward pass " + count);
      }
      boolean threeD = s.dimension() == 3;
      NDArray x3 = threeD ? x : x.reshape(count, -1, in); // [n, T, in]
      views();
      NDArray d = x3.matMul(aView).matMul(bView); // [n, T, out]
      if (threeD) {
        return d;
      }
      long[] shape = s.getShape().clone();
      shape[shape.length - 1] = out;
      return d.reshape(new Shape(shape)); // [..., out]
    }

    /** Views of rows [first, first + count) of the stacks, kept while the range is unchanged. */
    private void views() {
      if (aView != null && viewFirst == first && viewCount == count) {
        return;
      }
      dropViews();
      aView = TorchOps.slice(aT, 0, first, first + count); // [n, in, r]
      bView = TorchOps.slice(bT, 0, first, first + count); // [n, r, out]
      NDScope.unregister(aView, bView); // they outlive the forward pass's scope
      viewFirst = first;
      viewCount = count;
    }

    void dropViews() {
      if (aView != null) {
        aView.close();
        bView.close();
        aView = null;
        bView = null;
      }
    }

    void ensureRank(int r) {
      if (r <= rank) {
        return;
      }
      dropViews();
      NDArray a = manager.zeros(new Shape(maxRows, in, r));
      NDArray b = manager.zeros(new Shape(maxRows, r, out));
      if (rank > 0) {
        TorchOps.assign(a, 2, 0, rank, aT);
        TorchOps.assign(b, 1, 0, rank, bT);
        aT.close();
        bT.close();
      }
      aT = a;
      bT = b;
      rank = r;
    }

    /** Row {@code row} gets {@code p}: A^T, and B^T scaled by its scale (zero-padded). */
    void put(int row, ServingAdapter.Part p) {
      int r = p.rank();
      ensureRank(r);
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        NDArray aRow = TorchOps.slice(aT, 0, row, row + 1); // [1, in, rank]
        NDArray bRow = TorchOps.slice(bT, 0, row, row + 1); // [1, rank, out]
        TorchOps.assign(aRow, 2, 0, r, p.aT().expandDims(0));
        TorchOps.assign(bRow, 1, 0, r, p.scaledBT().expandDims(0));
        if (dirty[row] > r) { // columns a larger-rank adapter left: B must be 0 there
          TorchOps.assign(bRow, 1, r, dirty[row], zeros(1, dirty[row] - r, out));
        }
      }
      rowRank[row] = r;
      dirty[row] = r;
    }

    /** Row {@code row} gets no term here: its B^T becomes 0 (A^T times 0 is exactly 0). */
    void clear(int row) {
      if (dirty[row] > 0) {
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          TorchOps.assign(
              TorchOps.slice(bT, 0, row, row + 1), 1, 0, dirty[row], zeros(1, dirty[row], out));
        }
        dirty[row] = 0;
      }
      rowRank[row] = 0;
    }

    /** Row {@code to} gets row {@code from}'s factors (a full copy of the row). */
    void move(int from, int to) {
      if (rowRank[from] == 0) {
        clear(to);
        return;
      }
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        TorchOps.assign(aT, 0, to, to + 1, TorchOps.slice(aT, 0, from, from + 1));
        TorchOps.assign(bT, 0, to, to + 1, TorchOps.slice(bT, 0, from, from + 1));
      }
      rowRank[to] = rowRank[from];
      dirty[to] = dirty[from];
      clear(from);
    }

    private NDArray zeros(long a, long b, long c) {
      return manager.zeros(new Shape(a, b, c));
    }

    long bytes() {
      return rank == 0 ? 0 : (aT.size() + bT.size()) * 4;
    }
  }

  private MultiLora(AdaptableModel model, int maxRows, NDManager parent) {
    this.model = model;
    this.maxRows = maxRows;
    this.manager = parent.newSubManager();
    this.rowAdapter = new ServingAdapter[maxRows];
  }

  /**
   * Wraps every linear layer of {@code model} so that rows of up to {@code maxRows} different
   * adapters run in one forward pass.
   *
   * @throws IllegalArgumentException if a layer already has adapters (a {@link LoraModel} on the
   *     same model) or {@code maxRows < 1}
   */
  public static MultiLora install(AdaptableModel model, int maxRows, NDManager parent) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
    }
    MultiLora ml = new MultiLora(model, maxRows, parent);
    for (Map.Entry<String, Linear> e : model.linears().entrySet()) {
      Linear l = e.getValue();
      if (l instanceof LoraLinear || l instanceof RowLoraLinear) {
        throw new IllegalArgumentException(
            e.getKey() + " already has adapters; MultiLora needs the plain base model");
      }
      Module mod = ml.new Module(e.getKey(), l.inFeatures(), l.outFeatures());
      ml.modules.put(e.getKey(), mod);
      ml.originals.put(e.getKey(), l);
    }
    for (Map.Entry<String, Linear> e : ml.originals.entrySet()) {
      model.replaceLinear(e.getKey(), new RowLoraLinear(e.getValue(), ml.modules.get(e.getKey())));
    }
    return ml;
  }

  public int maxRows() {
    return maxRows;
  }

  /** The adapter row {@code row} holds, or null. */
  public ServingAdapter adapter(int row) {
    return rowAdapter[row];
  }

  /** Bytes of the per-row factor copies (they grow with the largest rank assigned). */
  public long bytes() {
    return modules.values().stream().mapToLong(Module::bytes).sum();
  }

  @Override
  public void assign(int row, Object adapter) {
    checkRow(row);
    if (adapter == null) {
      clear(row);
      return;
    }
    if (!(adapter instanceof ServingAdapter a)) {
      throw new IllegalArgumentException(
          "row " + row + ": expected a ServingAdapter, got " + adapter.getClass().getName());
    }
    if (a.isClosed()) {
      throw new IllegalArgumentException("adapter " + a.name() + " is closed");
    }
    if (rowAdapter[row] == a) {
      return; // already there (adapters are immutable): nothing to copy
    }
    for (Map.Entry<String, ServingAdapter.Part> e : a.parts().entrySet()) {
      Module m = modules.get(e.getKey());
      if (m == null || m.in != e.getValue().inFeatures() || m.out != e.getValue().outFeatures()) {
        throw new IllegalArgumentException(
            "adapter " + a.name() + " does not fit this model at " + e.getKey());
      }
    }
    for (Module m : modules.values()) {
      ServingAdapter.Part p = a.parts().get(m.path);
      if (p != null) {
        m.put(row, p);
      } else {
        m.clear(row);
      }
    }
    rowAdapter[row] = a;
  }

  @Override
  public void move(int from, int to) {
    checkRow(from);
    checkRow(to);
    if (from == to) {
      return;
    }
    for (Module m : modules.values()) {
      m.move(from, to);
    }
    rowAdapter[to] = rowAdapter[from];
    rowAdapter[from] = null;
  }

  @Override
  public void clear(int row) {
    checkRow(row);
    for (Module m : modules.values()) {
      m.clear(row);
    }
    rowAdapter[row] = null;
  }

  @Override
  public void beginForward(int firstRow, int rows) {
    if (firstRow < 0 || rows < 1 || firstRow + rows > maxRows) {
      throw new IllegalArgumentException(
          "rows [" + firstRow + ", " + (firstRow + rows) + ") outside [0, " + maxRows + ")");
    }
    this.first = firstRow;
    this.count = rows;
    this.inForward = true;
    for (Module m : modules.values()) {
      boolean any = false;
      for (int r = firstRow; r < firstRow + rows && !any; r++) {
        any = m.rowRank[r] > 0;
      }
      m.active = any;
    }
  }

  @Override
  public void endForward() {
    inForward = false;
  }

  /** The distinct adapters of rows {@code [first, first + rows)}. */
  public List<ServingAdapter> adapters(int firstRow, int rows) {
    List<ServingAdapter> out = new ArrayList<>();
    for (int r = firstRow; r < firstRow + rows; r++) {
      if (rowAdapter[r] != null && !out.contains(rowAdapter[r])) {
        out.add(rowAdapter[r]);
      }
    }
    return out;
  }

  private void checkRow(int row) {
    if (row < 0 || row >= maxRows) {
      throw new IllegalArgumentException("row " + row + " outside [0, " + maxRows + ")");
    }
  }

  /** Puts the original layers back and frees the per-row factors. */
  @Override
  public void close() {
    originals.forEach(model::replaceLinear);
    Arrays.fill(rowAdapter, null);
    manager.close();
  }
}
