/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.MethodDescriptor;
import io.persona4j.transport.grpc.proto.ClientMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * One message a client sent, as the server receives it: the parsed message, or why its bytes are
 * not a {@link ClientMessage} (so that a malformed message ends that client's session with its
 * reason instead of surfacing as a gRPC stack trace), and its size on the wire.
 *
 * @param message the message, or null if malformed
 * @param malformed why the bytes do not parse, or null
 * @param size serialized bytes
 */
record Inbound(ClientMessage message, String malformed, int size) {

  /** Parses every inbound message of the Connect call, never throwing on bad bytes. */
  static final MethodDescriptor.Marshaller<Inbound> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Inbound value) {
          return new ByteArrayInputStream(
              value.message() == null ? new byte[0] : value.message().toByteArray());
        }

        @Override
        public Inbound parse(InputStream stream) {
          byte[] bytes;
          try {
            bytes = stream.readAllBytes(); // bounded by the server's maxInboundMessageSize
          } catch (IOException e) {
            return new Inbound(null, "unreadable message: " + e.getMessage(), 0);
          }
          try {
            return new Inbound(ClientMessage.parseFrom(bytes), null, bytes.length);
          } catch (IOException e) {
            return new Inbound(
                null, "malformed message of " + bytes.length + " bytes: " + e.getMessage(), 0);
          }
        }
      };
}
