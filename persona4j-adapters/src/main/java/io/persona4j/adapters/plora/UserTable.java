/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.persona4j.core.train.Autograd;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * PLoRA's user table {@code E [N, d_u]}: one learned vector per known user, by user id. New users
 * are appended ({@link #put}); a user not in the table has no vector (zero-shot). The table is one
 * trainable array whose identity is stable until a user is added.
 *
 * <p>User ids follow the adapter store's rule: 1 to {@value #MAX_ID_LENGTH} characters, ASCII
 * letters, digits and {@code . _ - @ + : =}.
 */
public final class UserTable implements AutoCloseable {
  /** Longest user id (the adapter store's limit). */
  public static final int MAX_ID_LENGTH = 128;

  private final NDManager manager;
  private final int dim;
  private final List<String> ids = new ArrayList<>();
  private final Map<String, Integer> rows = new HashMap<>();
  private NDArray table; // [N, d_u], null while N == 0

  private UserTable(NDManager parent, int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("user vector width must be >= 1, got " + dim);
    }
    this.manager = parent.newSubManager();
    this.dim = dim;
  }

  /** An empty table of {@code d_u = dim}. */
  public static UserTable empty(int dim, NDManager parent) {
    return new UserTable(parent, dim);
  }

  /** Zero vectors for {@code users} (as the authors initialise E). */
  public static UserTable zeros(List<String> users, int dim, NDManager parent) {
    return of(users, new float[Math.multiplyExact(users.size(), dim)], dim, parent);
  }

  /**
   * A table of {@code users} with their vectors, row-major {@code [users.size(), dim]}.
   *
   * @throws IllegalArgumentException for an invalid or repeated id, a value count that does not
   *     fit, or a non-finite value
   */
  public static UserTable of(List<String> users, float[] values, int dim, NDManager parent) {
    UserTable t = new UserTable(parent, dim);
    try {
      if (values.length != (long) users.size() * dim) {
        throw new IllegalArgumentException(
            values.length + " values for " + users.size() + " users of width " + dim);
      }
      requireFinite(values, "user vectors");
      for (String id : users) {
        t.addId(id);
      }
      if (!users.isEmpty()) {
        t.table = t.manager.create(values, new Shape(users.size(), dim));
        NDScope.unregister(t.table);
      }
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /**
   * Returns {@code id} if it is a valid user id.
   *
   * @throws IllegalArgumentException naming the value, the offending character and the rule
   */
  public static String checkId(String id) {
    String rule =
        "a user id is 1 to "
            + MAX_ID_LENGTH
            + " characters: ASCII letters, digits and . _ - @ + : =";
    if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException(
          "user id " + (id == null ? "null" : "'" + abbreviate(id) + "'") + " is invalid; " + rule);
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || ".-_@+:=".indexOf(c) >= 0;
      if (!ok) {
        throw new IllegalArgumentException(
            "user id '"
                + abbreviate(id)
                + "': character at index "
                + i
                + " is not allowed; "
                + rule);
      }
    }
    return id;
  }

  /** Number of users N. */
  public int size() {
    return ids.size();
  }

  /** {@code d_u}. */
  public int dim() {
    return dim;
  }

  /** The user ids by row. */
  public List<String> ids() {
    return Collections.unmodifiableList(ids);
  }

  /** The row of user {@code id}, if known. */
  public OptionalInt row(String id) {
    Integer r = id == null ? null : rows.get(id);
    return r == null ? OptionalInt.empty() : OptionalInt.of(r);
  }

  /** Whether user {@code id} has a vector. */
  public boolean contains(String id) {
    return row(id).isPresent();
  }

  /** {@code E [N, d_u]} (the trainable array), or null while the table is empty. */
  public NDArray table() {
    return table;
  }

  /** A copy of user {@code row}'s vector. */
  public float[] vector(int row) {
    if (row < 0 || row >= size()) {
      throw new IndexOutOfBoundsException("row " + row + " of " + size() + " users");
    }
    return table.get(new NDIndex(row)).toFloatArray();
  }

  /** A copy of user {@code id}'s vector. */
  public float[] vector(String id) {
    return vector(
        row(id).orElseThrow(() -> new IllegalArgumentException("unknown user '" + id + "'")));
  }

  /** All vectors, row-major {@code [N, d_u]} (a copy). */
  public float[] values() {
    return table == null ? new float[0] : table.toFloatArray();
  }

  /**
   * Sets user {@code id}'s vector: replaces it in place if the user is known, else appends a row
   * (which replaces the table array: parameter maps taken before must be taken again).
   *
   * @return the user's row
   */
  public int put(String id, float[] vector) {
    if (vector.length != dim) {
      throw new IllegalArgumentException(
          "user '" + id + "': vector has " + vector.length + " values, expected d_u = " + dim);
    }
    requireFinite(vector, "user '" + id + "' vector");
    OptionalInt known = row(id);
    if (known.isPresent()) {
      try (NDManager tmp = manager.newSubManager();
          Autograd.NoGrad ignored = Autograd.noGrad()) {
        table.set(new NDIndex(known.getAsInt()), tmp.create(vector));
      }
      return known.getAsInt();
    }
    checkId(id);
    boolean grad = table != null && table.hasGradient();
    NDArray row = manager.create(vector, new Shape(1, dim));
    NDArray grown = table == null ? row : table.concat(row, 0);
    NDScope.unregister(grown);
    if (table != null) {
      table.close();
      row.close();
    }
    table = grown;
    if (grad) {
      table.setRequiresGradient(true);
    }
    addId(id);
    return size() - 1;
  }

  /**
   * User vectors of a batch, {@code [B, d_u]} on {@code m}: row {@code rows[i]} of E, or zeros
   * where {@code rows[i] < 0} (no user). Differentiable with respect to E when E records gradients.
   */
  public NDArray gather(int[] rows, NDManager m) {
    long[] index = new long[rows.length];
    float[] present = new float[rows.length];
    boolean any = false;
    boolean all = true;
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] >= size()) {
        throw new IndexOutOfBoundsException("row " + rows[i] + " of " + size() + " users");
      }
      index[i] = Math.max(rows[i], 0);
      present[i] = rows[i] >= 0 ? 1f : 0f;
      any |= rows[i] >= 0;
      all &= rows[i] >= 0;
    }
    if (!any) {
      return m.zeros(new Shape(rows.length, dim), DataType.FLOAT32);
    }
    NDArray idx = m.create(index, new Shape(rows.length)); // [B]
    NDArray v = Embedding.embedding(idx, table, SparseFormat.DENSE).head(); // [B, d_u]
    v.attach(m);
    if (all) {
      return v;
    }
    // A torch-owned copy of the mask: autograd keeps it for the backward pass (see
    // io.persona4j.core.train.Autograd).
    try (NDArray host = m.create(present, new Shape(rows.length, 1))) {
      NDArray mask = host.duplicate(); // [B, 1]
      return v.mul(mask); // [B, d_u]
    }
  }

  /** Frees the table. */
  @Override
  public void close() {
    manager.close();
  }

  private void addId(String id) {
    checkId(id);
    if (rows.putIfAbsent(id, ids.size()) != null) {
      throw new IllegalArgumentException("user id '" + id + "' appears twice");
    }
    ids.add(id);
  }

  private static void requireFinite(float[] v, String what) {
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(what + ": value " + i + " is " + v[i]);
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
