/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable, ordered set of named float tensors: the unit that travels between server and
 * clients (model parameters, LoRA adapters, updates).
 *
 * <p>Values are copied in and out; nothing outside this class can change a set after it is built.
 * The binary encoding ({@link #writeTo}) is big-endian: magic {@code P4JP}, version, tensor count,
 * then per tensor its modified-UTF-8 name, dtype byte, rank, dimensions and values. {@link
 * #byteSize()} is the exact length of that encoding, used for transport accounting.
 */
public final class ParameterSet {

  private static final int MAGIC = 0x50344A50; // "P4JP"
  private static final int VERSION = 1;

  private final List<TensorSpec> specs;
  private final Map<String, float[]> values;

  private ParameterSet(List<TensorSpec> specs, Map<String, float[]> values) {
    this.specs = Collections.unmodifiableList(specs);
    this.values = values;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** An empty set. */
  public static ParameterSet empty() {
    return new Builder().build();
  }

  /** Tensor names in order. */
  public List<String> names() {
    return specs.stream().map(TensorSpec::name).toList();
  }

  /** Tensor specs in order. */
  public List<TensorSpec> specs() {
    return specs;
  }

  /** Spec of one tensor; throws if absent. */
  public TensorSpec spec(String name) {
    for (TensorSpec s : specs) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no tensor named '" + name + "' in " + names());
  }

  /** A copy of the values of one tensor (row-major). */
  public float[] values(String name) {
    float[] v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no tensor named '" + name + "' in " + names());
    }
    return v.clone();
  }

  /** Number of tensors. */
  public int size() {
    return specs.size();
  }

  /** Total number of elements over all tensors. */
  public long numElements() {
    long n = 0;
    for (TensorSpec s : specs) {
      n += s.numElements();
    }
    return n;
  }

  /** Exact length in bytes of the binary encoding written by {@link #writeTo}. */
  public long byteSize() {
    long n = 12;
    for (TensorSpec s : specs) {
      n += 2 + modifiedUtf8Length(s.name()) + 1 + 4 + 4L * s.shape().size();
      n += 4L * s.numElements();
    }
    return n;
  }

  /** Whether both sets have the same names, order, shapes and dtypes. */
  public boolean sameLayout(ParameterSet other) {
    return specs.equals(other.specs);
  }

  /**
   * Why this set's layout differs from {@code expected}, or empty if it matches (names in order,
   * shapes and dtypes).
   */
  public Optional<String> layoutMismatch(ParameterSet expected) {
    if (!names().equals(expected.names())) {
      return Optional.of("tensor names " + names() + " differ from expected " + expected.names());
    }
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec got = specs.get(i);
      TensorSpec want = expected.specs.get(i);
      if (!got.shape().equals(want.shape())) {
        return Optional.of(
            "tensor '" + got.name() + "' has shape " + got.shape() + ", expected " + want.shape());
      }
      if (got.dtype() != want.dtype()) {
        return Optional.of(
            "tensor '" + got.name() + "' has dtype " + got.dtype() + ", expected " + want.dtype());
      }
    }
    return Optional.empty();
  }

  /** The first non-finite value as "name[index]=value", or empty if all values are finite. */
  public Optional<String> firstNonFinite() {
    for (TensorSpec s : specs) {
      float[] v = values.get(s.name());
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          return Optional.of(s.name() + "[" + i + "]=" + v[i]);
        }
      }
    }
    return Optional.empty();
  }

  /** All values concatenated in tensor order. */
  public float[] flatten() {
    float[] out = new float[Math.toIntExact(numElements())];
    int off = 0;
    for (TensorSpec s : specs) {
      float[] v = values.get(s.name());
      System.arraycopy(v, 0, out, off, v.length);
      off += v.length;
    }
    return out;
  }

  /** A set with this layout and the given flat values (inverse of {@link #flatten()}). */
  public ParameterSet withFlatValues(float[] flat) {
    if (flat.length != numElements()) {
      throw new IllegalArgumentException(
          "flat length " + flat.length + " != number of elements " + numElements());
    }
    Builder b = builder();
    int off = 0;
    for (TensorSpec s : specs) {
      b.add(s, Arrays.copyOfRange(flat, off, off + s.numElements()));
      off += s.numElements();
    }
    return b.build();
  }

  /** Euclidean norm of all values (accumulated in double). */
  public double l2Norm() {
    double sum = 0;
    for (float[] v : values.values()) {
      for (float x : v) {
        sum += (double) x * x;
      }
    }
    return Math.sqrt(sum);
  }

  /** Euclidean distance to a set of the same layout. */
  public double distance(ParameterSet other) {
    requireSameLayout(other);
    double sum = 0;
    for (TensorSpec s : specs) {
      float[] a = values.get(s.name());
      float[] b = other.values.get(s.name());
      for (int i = 0; i < a.length; i++) {
        double d = (double) a[i] - b[i];
        sum += d * d;
      }
    }
    return Math.sqrt(sum);
  }

  /** Dot product with a set of the same layout (accumulated in double). */
  public double dot(ParameterSet other) {
    requireSameLayout(other);
    double sum = 0;
    for (TensorSpec s : specs) {
      float[] a = values.get(s.name());
      float[] b = other.values.get(s.name());
      for (int i = 0; i < a.length; i++) {
        sum += (double) a[i] * b[i];
      }
    }
    return sum;
  }

  /**
   * {@code sum_k weights[k] * sets[k]}, accumulated in double per element; all sets must share one
   * layout.
   */
  public static ParameterSet weightedSum(List<ParameterSet> sets, double[] weights) {
    if (sets.isEmpty()) {
      throw new IllegalArgumentException("weightedSum needs at least one set");
    }
    if (sets.size() != weights.length) {
      throw new IllegalArgumentException(
          "sets.size() " + sets.size() + " != weights.length " + weights.length);
    }
    ParameterSet first = sets.get(0);
    for (ParameterSet s : sets) {
      first.requireSameLayout(s);
    }
    Builder b = builder();
    for (TensorSpec spec : first.specs) {
      double[] acc = new double[spec.numElements()];
      for (int k = 0; k < sets.size(); k++) {
        float[] v = sets.get(k).values.get(spec.name());
        double w = weights[k];
        for (int i = 0; i < acc.length; i++) {
          acc[i] += w * v[i];
        }
      }
      float[] out = new float[acc.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) acc[i];
      }
      b.add(spec, out);
    }
    return b.build();
  }

  private void requireSameLayout(ParameterSet other) {
    layoutMismatch(other)
        .ifPresent(
            r -> {
              throw new IllegalArgumentException("layout mismatch: " + r);
            });
  }

  /** Writes the binary encoding (see the class comment). */
  public void writeTo(DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(specs.size());
    for (TensorSpec s : specs) {
      out.writeUTF(s.name());
      out.writeByte(s.dtype().ordinal());
      out.writeInt(s.shape().size());
      for (int d : s.shape()) {
        out.writeInt(d);
      }
      float[] v = values.get(s.name());
      ByteBuffer buf =
          ByteBuffer.allocate(Math.min(v.length, 1 << 16) * 4).order(ByteOrder.BIG_ENDIAN);
      for (int off = 0; off < v.length; ) {
        int n = Math.min(v.length - off, buf.capacity() / 4);
        buf.clear();
        buf.asFloatBuffer().put(v, off, n);
        out.write(buf.array(), 0, n * 4);
        off += n;
      }
    }
  }

  /** Reads a set written by {@link #writeTo}; throws {@link IOException} naming what is wrong. */
  public static ParameterSet readFrom(DataInputStream in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a parameter set: magic 0x" + Integer.toHexString(magic));
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported parameter set version " + version);
    }
    int count = in.readInt();
    if (count < 0) {
      throw new IOException("negative tensor count " + count);
    }
    Builder b = builder();
    for (int t = 0; t < count; t++) {
      String name = in.readUTF();
      int dtype = in.readByte();
      if (dtype < 0 || dtype >= TensorSpec.DType.values().length) {
        throw new IOException("tensor '" + name + "': unknown dtype " + dtype);
      }
      int rank = in.readInt();
      if (rank < 0 || rank > 16) {
        throw new IOException("tensor '" + name + "': bad rank " + rank);
      }
      List<Integer> shape = new ArrayList<>(rank);
      for (int i = 0; i < rank; i++) {
        shape.add(in.readInt());
      }
      TensorSpec spec;
      try {
        spec = new TensorSpec(name, shape, TensorSpec.DType.values()[dtype]);
      } catch (IllegalArgumentException e) {
        throw new IOException("tensor '" + name + "': " + e.getMessage(), e);
      }
      byte[] raw = new byte[spec.numElements() * 4];
      in.readFully(raw);
      float[] v = new float[spec.numElements()];
      ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(v);
      b.addOwned(spec, v);
    }
    return b.build();
  }

  private static long modifiedUtf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x0001 && c <= 0x007F) {
        n += 1;
      } else if (c <= 0x07FF) {
        n += 2;
      } else {
        n += 3;
      }
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ParameterSet other) || !specs.equals(other.specs)) {
      return false;
    }
    for (TensorSpec s : specs) {
      if (!Arrays.equals(values.get(s.name()), other.values.get(s.name()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = specs.hashCode();
    for (TensorSpec s : specs) {
      h = 31 * h + Arrays.hashCode(values.get(s.name()));
    }
    return h;
  }

  @Override
  public String toString() {
    return "ParameterSet" + specs.stream().map(s -> s.name() + s.shape()).toList();
  }

  /** Builds a {@link ParameterSet}; tensors keep insertion order, names must be unique. */
  public static final class Builder {
    private final List<TensorSpec> specs = new ArrayList<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();

    private Builder() {}

    /** Adds a float32 tensor (values are copied). */
    public Builder add(String name, int[] shape, float[] data) {
      return add(TensorSpec.f32(name, shape), data);
    }

    /** Adds a tensor (values are copied); the value count must match the shape. */
    public Builder add(TensorSpec spec, float[] data) {
      return addOwned(spec, data.clone());
    }

    private Builder addOwned(TensorSpec spec, float[] data) {
      if (values.containsKey(spec.name())) {
        throw new IllegalArgumentException("duplicate tensor name '" + spec.name() + "'");
      }
      if (data.length != spec.numElements()) {
        throw new IllegalArgumentException(
            "tensor '"
                + spec.name()
                + "' has "
                + data.length
                + " values, shape "
                + spec.shape()
                + " needs "
                + spec.numElements());
      }
      specs.add(spec);
      values.put(spec.name(), data);
      return this;
    }

    /** The immutable set. */
    public ParameterSet build() {
      return new ParameterSet(new ArrayList<>(specs), new LinkedHashMap<>(values));
    }
  }
}
