/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector loads from native memory (a direct {@link ByteBuffer} over PyTorch's arrays). The Vector
 * API loads native memory only through {@code java.lang.foreign.MemorySegment}, a preview API at
 * this project's Java 21 language level and final from JDK 22 on; so the two calls are bound at run
 * time through method handles (constant, inlined by the JIT) and {@link #AVAILABLE} is false on a
 * JDK 21 runtime, where callers keep PyTorch.
 */
public final class NativeFloats {
  /** Whether this class works on this JVM (JDK 22 or newer). */
  public static final boolean AVAILABLE;

  private static final MethodHandle OF_BUFFER; // (ByteBuffer) -> MemorySegment as Object
  private static final MethodHandle ADDRESS; // (segment as Object) -> long
  private static final MethodHandle LOAD; // (species, segment as Object, long, order) -> vector
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  static {
    MethodHandle ofBuffer = null;
    MethodHandle load = null;
    MethodHandle address = null;
    try {
      if (Runtime.version().feature() >= 22) {
        Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        ofBuffer =
            lookup
                .findStatic(
                    segment, "ofBuffer", MethodType.methodType(segment, java.nio.Buffer.class))
                .asType(MethodType.methodType(Object.class, ByteBuffer.class));
        address =
            lookup
                .findVirtual(segment, "address", MethodType.methodType(long.class))
                .asType(MethodType.methodType(long.class, Object.class));
        load =
            lookup
                .findStatic(
                    FloatVector.class,
                    "fromMemorySegment",
                    MethodType.methodType(
                        FloatVector.class,
                        VectorSpecies.class,
                        segment,
                        long.class,
                        ByteOrder.class))
                .asType(
                    MethodType.methodType(
                        FloatVector.class,
                        VectorSpecies.class,
                        Object.class,
                        long.class,
                        ByteOrder.class));
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      ofBuffer = null;
      load = null;
      address = null;
    }
    OF_BUFFER = ofBuffer;
    LOAD = load;
    ADDRESS = address;
    AVAILABLE = ofBuffer != null && load != null && address != null;
  }

  private NativeFloats() {}

  /** The memory segment of a direct buffer (its whole capacity), as an opaque handle. */
  static Object segment(ByteBuffer direct) {
    try {
      return (Object) OF_BUFFER.invokeExact(direct);
    } catch (Throwable t) {
      throw new IllegalStateException("MemorySegment.ofBuffer failed", t);
    }
  }

  /**
   * The native address of a direct buffer's first byte (two buffers over the same memory have the
   * same address).
   *
   * @throws IllegalStateException if {@link #AVAILABLE} is false
   */
  public static long address(ByteBuffer direct) {
    if (!AVAILABLE || !direct.isDirect()) {
      throw new IllegalStateException("not a direct buffer, or JDK < 22");
    }
    try {
      return (long) ADDRESS.invokeExact(segment(direct));
    } catch (Throwable t) {
      throw new IllegalStateException("MemorySegment.address failed", t);
    }
  }

  /** {@code FloatVector.fromMemorySegment(species, segment, byteOffset, nativeOrder)}. */
  static FloatVector load(VectorSpecies<Float> species, Object segment, long byteOffset) {
    try {
      return (FloatVector) LOAD.invokeExact(species, segment, byteOffset, NATIVE);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
