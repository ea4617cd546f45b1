/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import com.google.protobuf.ByteString;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import io.persona4j.transport.grpc.proto.DType;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.TensorHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Splits a {@link ParameterSet} into {@link TensorChunk}s of at most {@code chunkBytes} of float
 * data each (little-endian), lazily, so that only one tensor copy and one chunk are in memory.
 */
final class TensorChunker {

  /** Default chunk payload: 1 MiB, well under gRPC's default 4 MiB message limit. */
  static final int DEFAULT_CHUNK_BYTES = 1 << 20;

  private TensorChunker() {}

  /** The tensor headers of a set (names, shapes, dtypes in order). */
  static List<TensorHeader> headers(ParameterSet set) {
    List<TensorHeader> out = new ArrayList<>(set.size());
    for (TensorSpec s : set.specs()) {
      out.add(
          TensorHeader.newBuilder()
              .setName(s.name())
              .addAllShape(s.shape())
              .setDtype(wire(s.dtype()))
              .build());
    }
    return out;
  }

  static DType wire(TensorSpec.DType dtype) {
    return switch (dtype) {
      case F32 -> DType.DTYPE_F32;
    };
  }

  /** Chunks of all tensors in order; a tensor yields {@code ceil(4 n / chunkBytes)} chunks. */
  static Iterator<TensorChunk> chunks(long messageId, ParameterSet set, int chunkBytes) {
    if (chunkBytes < 4 || chunkBytes % 4 != 0) {
      throw new IllegalArgumentException(
          "chunkBytes must be a positive multiple of 4, got " + chunkBytes);
    }
    int perChunk = chunkBytes / 4;
    List<TensorSpec> specs = set.specs();
    return new Iterator<>() {
      int tensor = -1;
      float[] values = new float[0];
      int offset = 0;

      @Override
      public boolean hasNext() {
        while (offset >= values.length) {
          if (tensor + 1 >= specs.size()) {
            return false;
          }
          tensor++;
          values = set.values(specs.get(tensor).name());
          offset = 0;
        }
        return true;
      }

      @Override
      public TensorChunk next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        TensorSpec s = specs.get(tensor);
        int n = Math.min(perChunk, values.length - offset);
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values, offset, n);
        TensorChunk c =
            TensorChunk.newBuilder()
                .setMessageId(messageId)
                .setName(s.name())
                .addAllShape(s.shape())
                .setDtype(wire(s.dtype()))
                .setOffset(offset)
                .setData(ByteString.copyFrom(buf.array()))
                .build();
        offset += n;
        return c;
      }
    };
  }
}
