/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.persona4j.transport.grpc.proto.ClientMessage;
import io.persona4j.transport.grpc.proto.FederatedServiceGrpc;
import io.persona4j.transport.grpc.proto.Hello;
import io.persona4j.transport.grpc.proto.ServerMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven client of the federated service, as an attacker with a raw gRPC library would be:
 * it sends any bytes as a message (valid protobuf or not) and records what the server sends and how
 * the stream ends.
 */
final class RawClient implements AutoCloseable {

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> CONNECT =
      FederatedServiceGrpc.getConnectMethod().toBuilder(BYTES, BYTES).build();

  final ManagedChannel channel;
  final ClientCall<byte[], byte[]> call;
  final BlockingQueue<ServerMessage> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Status> ended = new CompletableFuture<>();

  RawClient(int port) {
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    call = channel.newCall(CONNECT, CallOptions.DEFAULT);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            try {
              received.add(ServerMessage.parseFrom(message));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            ended.complete(status);
          }
        },
        new Metadata());
    call.request(1);
  }

  /** Sends one message's bytes as they are. */
  synchronized void sendBytes(byte[] message) {
    call.sendMessage(message);
  }

  /** Sends one protobuf message. */
  void send(ClientMessage m) {
    sendBytes(m.toByteArray());
  }

  /** Sends a hello. */
  void hello(String id, String token) {
    send(
        ClientMessage.newBuilder()
            .setHello(Hello.newBuilder().setClientId(id).setToken(token))
            .build());
  }

  /** The next server message, or null after {@code timeout}. */
  ServerMessage next(Duration timeout) throws InterruptedException {
    return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits for the server message that ends an instruction; returns its message id. */
  long awaitInstructionEnd(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      ServerMessage m = next(Duration.ofMillis(100));
      if (m != null && m.hasEnd()) {
        return m.getEnd().getMessageId();
      }
    }
    throw new AssertionError("no instruction within " + timeout);
  }

  /** How the stream ended, or null if it is still open after {@code timeout}. */
  Status awaitEnd(Duration timeout) throws InterruptedException {
    try {
      return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    call.cancel("test done", null);
    channel.shutdownNow();
  }
}
