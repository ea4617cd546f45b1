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
 * (before allocating), each chunk's message id, tensor name, shape and dtype against the header,
 * contiguous ascending offsets, whole floats, no overrun, and completeness at the end.
 */
final class PayloadAssembler {

  private final long messageId;
  private final List<TensorSpec> specs = new ArrayList<>();
  private final List<float[]> values = new ArrayList<>();
  private int tensor = 0;
  private int filled = 0;

  /**
   * @param messageId id every chunk must carry
   * @param headers announced tensors
   * @param maxPayloadBytes bound on the announced float data
   */
  PayloadAssembler(long messageId, List<TensorHeader> headers, long maxPayloadBytes)
      throws ProtocolException {
    this.messageId = messageId;
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
    }
    for (TensorSpec s : specs) {
      values.add(new float[s.numElements()]);
    }
    skipComplete();
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
    c.getData()
        .asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(values.get(tensor), filled, n);
    filled += n;
    skipComplete();
  }

  /** The set, once every tensor is complete. */
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
    ParameterSet.Builder b = ParameterSet.builder();
    for (int i = 0; i < specs.size(); i++) {
      b.add(specs.get(i), values.get(i));
    }
    return b.build();
  }
}
