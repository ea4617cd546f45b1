/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.persona4j.federated.ParameterSet;
import io.persona4j.transport.grpc.proto.ServerMessage;
import java.io.ByteArrayInputStream;

/**
 * Coverage-guided fuzzing of the wire decoders as the server and the client meet them: any bytes
 * through the server's inbound parser ({@link Inbound#MARSHALLER}, which must never throw), any
 * protobuf message through {@link WireCodec}'s header decoders. The only failures allowed are
 * {@link ProtocolException} and protobuf's own {@link InvalidProtocolBufferException}; anything
 * else (a NullPointerException, an arithmetic or index error, an OutOfMemoryError) is a crash.
 */
class WireCodecFuzzTest {

  @FuzzTest(maxDuration = "120s")
  void anyBytesDecodeOrFailWithAProtocolError(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    Inbound in = Inbound.MARSHALLER.parse(new ByteArrayInputStream(bytes));
    if ((in.message() == null) == (in.malformed() == null)) {
      throw new IllegalStateException("exactly one of message and malformed must be set: " + in);
    }
    if (in.message() != null && in.message().hasReplyHeader()) {
      try {
        WireCodec.reply(in.message().getReplyHeader(), ParameterSet.empty());
      } catch (ProtocolException expected) {
        // a bad reply is a protocol error
      }
    }
    try {
      ServerMessage s = ServerMessage.parseFrom(bytes);
      if (s.hasInstructionHeader()) {
        WireCodec.instruction(s.getInstructionHeader(), ParameterSet.empty());
      }
    } catch (InvalidProtocolBufferException | ProtocolException expected) {
      // not a message, or a bad one
    }
  }
}
