/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only, memory-mapped safetensors file. {@link #open} validates the whole header (see {@link
 * ModelFormatException}); tensor data is then read lazily from the mapping, so any file size works.
 *
 * <p>Methods that read data throw {@link ModelFormatException} for an unknown tensor name or a
 * tensor that does not fit the requested form; {@link #info} throws {@link NoSuchElementException}.
 * Instances are safe for concurrent reads. {@link #close} drops the mapping, which the JVM unmaps
 * once it is unreachable; arrays and NDArrays already returned are copies and stay valid.
 */
public final class SafetensorsFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsFile.class);

  private final Path path;
  private final SafetensorsHeader header;
  private volatile MappedData data;

  private SafetensorsFile(Path path, SafetensorsHeader header, MappedData data) {
    this.path = path;
    this.header = header;
    this.data = data;
  }

  /** Opens {@code file}, validates its header and maps its data in segments of up to 1 GiB. */
  public static SafetensorsFile open(Path file) throws IOException {
    return open(file, MappedData.DEFAULT_SEGMENT_SIZE);
  }

  /** As {@link #open(Path)} with a given mapping segment size (tests use tiny ones). */
  static SafetensorsFile open(Path file, long segmentSize) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(file, "not a regular file");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      SafetensorsHeader header = SafetensorsHeader.read(file, channel, size);
      MappedData data =
          new MappedData(channel, header.dataStart(), size - header.dataStart(), segmentSize);
      return new SafetensorsFile(file, header, data);
    }
  }

  /** The file's path. */
  public Path path() {
    return path;
  }

  /** Tensor names in header order. */
  public Set<String> names() {
    return header.tensors().keySet();
  }

  /** Whether the file holds tensor {@code name}. */
  public boolean contains(String name) {
    return header.tensors().containsKey(name);
  }

  /**
   * The header entry of tensor {@code name}.
   *
   * @throws NoSuchElementException naming the file and tensor if there is none
   */
  public TensorInfo info(String name) {
    TensorInfo info = header.tensors().get(name);
    if (info == null) {
      throw new NoSuchElementException(missing(name));
    }
    return info;
  }

  /** The {@code __metadata__} map (empty if absent). */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** The tensor's elements as floats: F32 as is, other types converted (F64 rounded). */
  public float[] floats(String name) throws IOException {
    TensorInfo t = existing(name);
    float[] out = new float[elementCount(t, 1)];
    int[] filled = {0};
    read(
        t,
        chunk -> {
          TensorDecoding.floats(t.dtype(), chunk, out, filled[0]);
          filled[0] += chunk.remaining() / t.dtype().byteSize();
        });
    return out;
  }

  /** The elements of an integer or BOOL tensor as longs (U8 unsigned, BOOL as 0/1). */
  public long[] longs(String name) throws IOException {
    TensorInfo t = requireInteger(existing(name));
    long[] out = new long[elementCount(t, 1)];
    int[] filled = {0};
    read(
        t,
        chunk -> {
          TensorDecoding.longs(t.dtype(), chunk, out, filled[0]);
          filled[0] += chunk.remaining() / t.dtype().byteSize();
        });
    return out;
  }

  /** A copy of the tensor's raw bytes and type, bit-exact (e.g. to rewrite it unchanged). */
  public HostTensor hostTensor(String name) throws IOException {
    TensorInfo t = existing(name);
    int elementBytes = t.dtype().byteSize();
    ByteBuffer out = ByteBuffer.allocate(elementCount(t, elementBytes) * elementBytes);
    read(t, out::put);
    return new HostTensor(t.dtype(), t.shape(), out.flip());
  }

  /**
   * The tensor as an NDArray on {@code manager} with the header's shape (a scalar for {@code []}):
   * FLOAT32 for float dtypes (F16/BF16/F64 converted), BOOLEAN for BOOL, INT64 for integer dtypes.
   * The data is copied; the array is limited to 2 GiB.
   */
  public NDArray toNDArray(String name, NDManager manager) throws IOException {
    TensorInfo t = existing(name);
    DType type = t.dtype();
    if (type == DType.BOOL) {
      ByteBuffer out = direct(elementCount(t, 1));
      read(
          t,
          chunk -> {
            while (chunk.hasRemaining()) out.put(chunk.get() != 0 ? (byte) 1 : (byte) 0);
          });
      return manager.create(out.flip(), t.djlShape(), DataType.BOOLEAN);
    }
    if (type.isFloatingPoint()) {
      int bytes = elementCount(t, 4) * 4;
      // Decode straight into the array's own memory when the engine exposes it (PyTorch on CPU
      // does): no second copy, and nothing left for the garbage collector to free. An array
      // created from a direct buffer keeps that buffer as its memory, which is only released at
      // a GC after the array is closed (models that rearrange weights at load close many).
      NDArray a = manager.create(t.djlShape(), DataType.FLOAT32);
      ByteBuffer mem = bytes == 0 ? null : a.toByteBuffer(true);
      if (mem != null && mem.isDirect() && mem.capacity() == bytes && !mem.isReadOnly()) {
        FloatBuffer floats = mem.order(ByteOrder.nativeOrder()).asFloatBuffer();
        try {
          read(t, chunk -> TensorDecoding.floats(type, chunk, floats));
        } catch (RuntimeException e) {
          a.close();
          throw e;
        }
        return a;
      }
      a.close();
      ByteBuffer out = direct(bytes);
      FloatBuffer floats = out.asFloatBuffer();
      read(t, chunk -> TensorDecoding.floats(type, chunk, floats));
      return manager.create(out, t.djlShape(), DataType.FLOAT32);
    }
    ByteBuffer out = direct(elementCount(t, 8) * 8);
    LongBuffer longs = out.asLongBuffer();
    read(t, chunk -> TensorDecoding.longs(type, chunk, longs));
    return manager.create(out, t.djlShape(), DataType.INT64);
  }

  /**
   * Hands {@code sink} the tensor's raw little-endian bytes in consecutive read-only chunks, as
   * stored (no conversion, no copy): what checksums and fingerprints read.
   */
  public void readRaw(String name, Consumer<ByteBuffer> sink) throws IOException {
    TensorInfo t = existing(name);
    read(t, sink::accept);
  }

  /** Whether a float tensor holds a NaN or an infinity (stops at the first; false for integers). */
  public boolean hasNonFinite(String name) throws IOException {
    TensorInfo t = existing(name);
    return !mapping()
        .read(
            t.begin(),
            t.byteSize(),
            t.dtype().byteSize(),
            chunk -> TensorDecoding.countNonFinite(t.dtype(), chunk, true) == 0);
  }

  /** How many NaN or infinite elements a float tensor holds (0 for integer tensors). */
  public long countNonFinite(String name) throws IOException {
    TensorInfo t = existing(name);
    long[] count = {0};
    read(t, chunk -> count[0] += TensorDecoding.countNonFinite(t.dtype(), chunk, false));
    return count[0];
  }

  /** Names of the tensors holding a NaN or an infinity, in header order. */
  public List<String> nonFiniteTensors() throws IOException {
    List<String> out = new ArrayList<>();
    for (String name : names()) {
      if (hasNonFinite(name)) {
        out.add(name);
      }
    }
    return out;
  }

  /**
   * Logs a WARN naming the file and tensor if the tensor holds NaN or infinite values, which load
   * fine but poison inference; model loaders call this for the weights they load.
   *
   * @return whether it warned
   */
  public boolean warnIfNonFinite(String name) throws IOException {
    long count = countNonFinite(name);
    if (count > 0) {
      LOG.warn(
          "{}: tensor '{}' ({}): {} of its {} values are NaN or infinite",
          path,
          name,
          info(name).dtype(),
          count,
          info(name).numel());
    }
    return count > 0;
  }

  /** Releases the mapping; later reads throw {@link IllegalStateException}. */
  @Override
  public void close() {
    data = null;
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + names().size() + " tensors]";
  }

  private interface ChunkSink {
    void accept(ByteBuffer chunk);
  }

  private void read(TensorInfo t, ChunkSink sink) {
    mapping()
        .read(
            t.begin(),
            t.byteSize(),
            t.dtype().byteSize(),
            chunk -> {
              sink.accept(chunk);
              return true;
            });
  }

  private MappedData mapping() {
    MappedData d = data;
    if (d == null) {
      throw new IllegalStateException(path + " is closed");
    }
    return d;
  }

  private TensorInfo existing(String name) throws ModelFormatException {
    TensorInfo info = header.tensors().get(name);
    if (info == null) {
      throw new ModelFormatException(path, name, noSuchTensor());
    }
    return info;
  }

  private String missing(String name) {
    return path + ": tensor '" + name + "': " + noSuchTensor();
  }

  private String noSuchTensor() {
    return "no such tensor (the file has " + names().size() + " others)";
  }

  private TensorInfo requireInteger(TensorInfo t) throws ModelFormatException {
    if (t.dtype().isFloatingPoint()) {
      throw new ModelFormatException(
          path, t.name(), "dtype " + t.dtype() + " is not an integer type");
    }
    return t;
  }

  /** numel, checked to fit a Java array of elements of {@code bytesPerElement} bytes. */
  private int elementCount(TensorInfo t, int bytesPerElement) throws ModelFormatException {
    long n = t.numel();
    if (n > (Integer.MAX_VALUE - 8) / bytesPerElement) {
      throw new ModelFormatException(
          path,
          t.name(),
          n
              + " elements of "
              + bytesPerElement
              + " bytes are too many for one Java array or NDArray");
    }
    return (int) n;
  }

  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }
}
