/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.TensorSpec;
import io.persona4j.transport.grpc.proto.DType;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.TensorHeader;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rebuilds a {@link ParameterSet} from the tensor headers announced in a payload header and the
 * {@link TensorChunk}s that follow, validating everything: the announced size against a bound
 * (before anything is allocated), each chunk's message id, tensor name, shape and dtype against the
 * header, contiguous ascending offsets, whole floats, no overrun, and completeness at the end.
 *
 * <p>Nothing is allocated for an announcement: a tensor's array is created when its first chunk
 * arrives and grows (at most doubling, never beyond the tensor) as data arrives, so memory follows
 * the bytes actually received. A discarding assembler ({@link #discarding}) validates the same way
 * and keeps nothing.
 */
final class PayloadAssembler {

  private final long messageId;
  private final List<TensorSpec> specs = new ArrayList<>();
  private final List<float[]> values = new ArrayList<>();
  private final long announcedBytes;
  private final boolean keep;
  private int tensor = 0;
  private int filled = 0;

  /**
   * @param messageId id every chunk must carry
   * @param headers announced tensors
   * @param maxPayloadBytes bound on the announced float data
   */
  PayloadAssembler(long messageId, List<TensorHeader> headers, long maxPayloadBytes)
      throws ProtocolException {
    this(messageId, headers, maxPayloadBytes, true);
  }

  /** An assembler that checks the payload and keeps none of it (a reply no one waits for). */
  static PayloadAssembler discarding(long messageId, List<TensorHeader> headers, long maxBytes)
      throws ProtocolException {
    return new PayloadAssembler(messageId, headers, maxBytes, false);
  }

  private PayloadAssembler(
      long messageId, List<TensorHeader> headers, long maxPayloadBytes, boolean keep)
      throws ProtocolException {
    this.messageId = messageId;
    this.keep = keep;
    long total = 0;
    Set<String> names = new HashSet<>();
    for (TensorHeader h : headers) {
      if (h.getDtype() != DType.DTYPE_F32) {
        throw new ProtocolException(
            "tensor '" + h.getName() + "': unsupported dtype " + h.getDtype());
      }
      TensorSpec spec;
      try {
        spec = new TensorSpec(h.getName(), h.getShapeList(), TensorSpec.DType.F32);
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new ProtocolException("bad tensor header: " + e.getMessage(), e);
      }
      if (!names.add(spec.name())) {
        throw new ProtocolException("duplicate tensor '" + spec.name() + "' in header");
      }
      total += 4L * spec.numElements();
      if (total > maxPayloadBytes) {
        throw new ProtocolException(
            "announced payload exceeds "
                + maxPayloadBytes
                + " bytes at tensor '"
                + spec.name()
                + "'");
      }
      specs.add(spec);
      values.add(null);
    }
    this.announcedBytes = total;
    skipComplete();
  }

  /** The float data announced by the header, in bytes. */
  long announcedBytes() {
    return announcedBytes;
  }

  /** The message id every chunk must carry. */
  long messageId() {
    return messageId;
  }

  private void skipComplete() {
    while (tensor < specs.size() && filled == specs.get(tensor).numElements()) {
      tensor++;
      filled = 0;
    }
  }

  /** Adds one chunk; it must continue the current tensor exactly where the last one stopped. */
  void accept(TensorChunk c) throws ProtocolException {
    if (c.getMessageId() != messageId) {
      throw new ProtocolException(
          "chunk of message " + c.getMessageId() + " inside message " + messageId);
    }
    if (tensor >= specs.size()) {
      throw new ProtocolException(
          "chunk of tensor '" + c.getName() + "' after all tensors are complete");
    }
    TensorSpec s = specs.get(tensor);
    if (!c.getName().equals(s.name())) {
      throw new ProtocolException(
          "chunk of tensor '" + c.getName() + "' where tensor '" + s.name() + "' is expected");
    }
    if (!c.getShapeList().equals(s.shape()) || c.getDtype() != DType.DTYPE_F32) {
      throw new ProtocolException(
          "chunk of tensor '"
              + s.name()
              + "' has shape "
              + c.getShapeList()
              + " dtype "
              + c.getDtype()
              + ", header says "
              + s.shape()
              + " F32");
    }
    if (c.getOffset() != filled) {
      throw new ProtocolException(
          "chunk of tensor '" + s.name() + "' at offset " + c.getOffset() + ", expected " + filled);
    }
    int bytes = c.getData().size();
    if (bytes == 0 || bytes % 4 != 0) {
      throw new ProtocolException(
          "chunk of tensor '"
              + s.name()
              + "' has "
              + bytes
              + " data bytes, not a positive multiple of 4");
    }
    int n = bytes / 4;
    if ((long) filled + n > s.numElements()) {
      throw new ProtocolException(
          "chunk of tensor '"
              + s.name()
              + "' overruns it: offset "
              + filled
              + " + "
              + n
              + " > "
              + s.numElements());
    }
    if (keep) {
      float[] v = room(tensor, filled + n, s.numElements());
      c.getData()
          .asReadOnlyByteBuffer()
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(v, filled, n);
    }
    filled += n;
    skipComplete();
  }

  /** Tensor {@code t}'s array with room for {@code needed} values (grown by at most doubling). */
  private float[] room(int t, int needed, int size) {
    float[] v = values.get(t);
    if (v == null || v.length < needed) {
      int capacity = v == null ? 0 : v.length;
      int grown = (int) Math.min(size, Math.max((long) needed, Math.max(1024L, 2L * capacity)));
      v = v == null ? new float[grown] : java.util.Arrays.copyOf(v, grown);
      values.set(t, v);
    }
    return v;
  }

  /** The set, once every tensor is complete (empty for a discarding assembler). */
  ParameterSet finish() throws ProtocolException {
    if (tensor < specs.size()) {
      TensorSpec s = specs.get(tensor);
      throw new ProtocolException(
          "payload ended with tensor '"
              + s.name()
              + "' at "
              + filled
              + " of "
              + s.numElements()
              + " values");
    }
    if (!keep) {
      return ParameterSet.empty();
    }
    ParameterSet.Builder b = ParameterSet.builder();
    for (int i = 0; i < specs.size(); i++) {
      float[] v = values.get(i);
      b.add(specs.get(i), v == null ? new float[0] : v);
    }
    return b.build();
  }
}
