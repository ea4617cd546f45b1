/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.persona4j.federated.ParameterSet;
import io.persona4j.transport.grpc.proto.DType;
import io.persona4j.transport.grpc.proto.ReplyHeader;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.TensorHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of a reply's reassembly: a header announcing tensors (names from a small
 * alphabet so that chunks can match them, any shapes and dtypes) and a sequence of chunks (any
 * message id, name, shape, offset and length), under a 64 KiB bound, then the reply decoding. Only
 * {@link ProtocolException} may come out; a completed payload must hold exactly the announced
 * tensors, and memory must follow the data: nothing beyond the bound is ever accepted.
 */
class PayloadAssemblerFuzzTest {

  private static final long BOUND = 64 << 10;
  private static final String[] NAMES = {"a", "b", "a.b", "", "x"};

  private static List<Integer> shape(FuzzedDataProvider d) {
    List<Integer> s = new ArrayList<>();
    int rank = d.consumeInt(0, 4);
    for (int i = 0; i < rank; i++) {
      s.add(d.consumeBoolean() ? d.consumeInt(-2, 40) : d.consumeInt());
    }
    return s;
  }

  /** A dtype number: mostly F32, sometimes unspecified or one the enum does not know. */
  private static int dtype(FuzzedDataProvider d) {
    int v = d.consumeInt(-1, 4);
    return v >= 2 ? DType.DTYPE_F32_VALUE : v;
  }

  @FuzzTest(maxDuration = "120s")
  void anyHeaderAndChunksAssembleOrFailWithAProtocolError(FuzzedDataProvider d) {
    long id = d.consumeLong(0, 3);
    ReplyHeader.Builder h =
        ReplyHeader.newBuilder()
            .setMessageId(id)
            .setClientId(d.consumeString(8))
            .setRound(d.consumeInt())
            .setNumExamples(d.consumeLong());
    if (d.consumeBoolean()) {
      h.setError(d.consumeString(16));
    }
    int tensors = d.consumeInt(0, 4);
    for (int i = 0; i < tensors; i++) {
      h.addTensors(
          TensorHeader.newBuilder()
              .setName(d.pickValue(NAMES))
              .addAllShape(shape(d))
              .setDtypeValue(dtype(d)));
    }
    PayloadAssembler a;
    try {
      a = new PayloadAssembler(id, h.getTensorsList(), BOUND);
    } catch (ProtocolException expected) {
      return;
    }
    if (a.announcedBytes() > BOUND) {
      throw new IllegalStateException("accepted " + a.announcedBytes() + " bytes over " + BOUND);
    }
    try {
      int chunks = d.consumeInt(0, 8);
      for (int i = 0; i < chunks; i++) {
        a.accept(
            TensorChunk.newBuilder()
                .setMessageId(d.consumeBoolean() ? id : d.consumeLong())
                .setName(d.pickValue(NAMES))
                .addAllShape(shape(d))
                .setDtypeValue(dtype(d))
                .setOffset(d.consumeBoolean() ? d.consumeLong(0, 64) : d.consumeLong())
                .setData(ByteString.copyFrom(d.consumeBytes(d.consumeInt(0, 256))))
                .build());
      }
      ParameterSet p = a.finish();
      if (p.size() != tensors) {
        throw new IllegalStateException(p.size() + " tensors assembled, " + tensors + " announced");
      }
      WireCodec.reply(h.build(), p);
    } catch (ProtocolException expected) {
      // a malformed stream is a protocol error
    }
  }
}
