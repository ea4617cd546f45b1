/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.transport.grpc.proto.Cancel;
import io.persona4j.transport.grpc.proto.ClientMessage;
import io.persona4j.transport.grpc.proto.PayloadEnd;
import io.persona4j.transport.grpc.proto.ReplyHeader;
import io.persona4j.transport.grpc.proto.ServerMessage;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.Welcome;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Server side of one client's {@code Connect} stream: authenticates the Hello, streams
 * instructions, reassembles replies and completes the matching {@link Pending}. Any protocol
 * violation fails the client's pending instructions as {@link Failure.Kind#INVALID_REPLY} and ends
 * the stream with {@code INVALID_ARGUMENT}; a lost connection fails them as {@link
 * Failure.Kind#DROPPED}.
 */
final class ClientSession implements StreamObserver<ClientMessage> {

  /** How one instruction ended. Exactly one of reply and failure is set. */
  record Outcome(Reply reply, Failure failure, long bytesUp, long localNanos) {}

  /** One instruction awaiting its reply. */
  static final class Pending {
    final Instruction instruction;
    final long messageId;
    final AtomicLong bytesDown = new AtomicLong();
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    volatile boolean cancelled;

    Pending(Instruction instruction, long messageId) {
      this.instruction = instruction;
      this.messageId = messageId;
    }

    void fail(Failure.Kind kind, String reason, long bytesUp) {
      outcome.complete(
          new Outcome(null, new Failure(instruction.clientId(), kind, reason), bytesUp, 0));
    }
  }

  private final GrpcGrid grid;
  private final OutboundStream<ServerMessage> out;
  private final ReentrantLock payloadLock = new ReentrantLock();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final String certificateCn;
  private volatile String clientId;
  // reply being received (only touched by gRPC's serialised inbound callbacks)
  private ReplyHeader header;
  private PayloadAssembler assembler;
  private long headerBytes;

  /**
   * @param certificateCn common name of the peer's TLS client certificate, or null if none
   */
  ClientSession(
      GrpcGrid grid, ServerCallStreamObserver<ServerMessage> observer, String certificateCn) {
    this.grid = grid;
    this.certificateCn = certificateCn;
    this.out = new OutboundStream<>(observer);
    observer.setOnReadyHandler(out::onReady);
    observer.setOnCancelHandler(() -> connectionLost("cancelled by the client"));
  }

  String clientId() {
    return clientId;
  }

  boolean isOpen() {
    return !out.isClosed();
  }

  @Override
  public void onNext(ClientMessage m) {
    try {
      if (clientId == null) {
        hello(m);
        return;
      }
      switch (m.getKindCase()) {
        case REPLY_HEADER -> {
          if (assembler != null) {
            throw new ProtocolException("reply header inside reply " + header.getMessageId());
          }
          ReplyHeader h = m.getReplyHeader();
          if (h.hasException() && h.getTensorsCount() > 0) {
            throw new ProtocolException("exception reply must not carry tensors");
          }
          header = h;
          headerBytes = m.getSerializedSize();
          assembler =
              new PayloadAssembler(
                  h.getMessageId(), h.getTensorsList(), grid.config().maxPayloadBytes());
        }
        case CHUNK -> {
          if (assembler == null) {
            throw new ProtocolException("chunk outside a reply");
          }
          assembler.accept(m.getChunk());
          headerBytes += m.getSerializedSize();
        }
        case END -> {
          if (assembler == null || m.getEnd().getMessageId() != header.getMessageId()) {
            throw new ProtocolException(
                "end of message " + m.getEnd().getMessageId() + " outside it");
          }
          ParameterSet params = assembler.finish();
          long bytesUp = headerBytes + m.getSerializedSize();
          ReplyHeader h = header;
          assembler = null;
          header = null;
          deliver(h, params, bytesUp);
        }
        default -> throw new ProtocolException("unexpected " + m.getKindCase() + " after hello");
      }
    } catch (ProtocolException e) {
      violation(e.getMessage());
    }
  }

  private void hello(ClientMessage m) throws ProtocolException {
    if (m.getKindCase() != ClientMessage.KindCase.HELLO) {
      throw new ProtocolException("first message must be a hello, got " + m.getKindCase());
    }
    String id = m.getHello().getClientId();
    ClientRegistry.Verdict v = grid.registry().check(id, m.getHello().getToken(), certificateCn);
    switch (v) {
      case OK -> {
        clientId = id;
        grid.attach(this);
        try {
          out.send(
              ServerMessage.newBuilder().setWelcome(Welcome.newBuilder().setClientId(id)).build());
        } catch (IOException | InterruptedException e) {
          connectionLost("welcome failed: " + e.getMessage());
        }
      }
      case UNKNOWN, BAD_TOKEN ->
          out.close(Status.UNAUTHENTICATED.withDescription("unknown client or bad token"));
      case REVOKED ->
          out.close(Status.PERMISSION_DENIED.withDescription("client '" + id + "' is revoked"));
      case CERTIFICATE_MISMATCH ->
          out.close(
              Status.UNAUTHENTICATED.withDescription(
                  "client certificate CN "
                      + (certificateCn == null ? "(no certificate)" : "'" + certificateCn + "'")
                      + " does not match client id '"
                      + id
                      + "'"));
    }
  }

  private void deliver(ReplyHeader h, ParameterSet params, long bytesUp) throws ProtocolException {
    Pending p = pending.remove(h.getMessageId());
    if (p == null) {
      return; // late reply after a timeout: discarded
    }
    Instruction in = p.instruction;
    long local = Math.max(0, h.getLocalNanos());
    if (h.hasException()) {
      p.outcome.complete(
          new Outcome(
              null,
              new Failure(in.clientId(), Failure.Kind.DROPPED, h.getException()),
              bytesUp,
              local));
      return;
    }
    Reply r = WireCodec.reply(h, params);
    if (!r.clientId().equals(in.clientId()) || r.round() != in.round()) {
      String reason =
          "reply names client '"
              + r.clientId()
              + "' round "
              + r.round()
              + ", expected '"
              + in.clientId()
              + "' round "
              + in.round()
              + " (a reply named another client)";
      p.outcome.complete(
          new Outcome(
              null,
              new Failure(in.clientId(), Failure.Kind.INVALID_REPLY, reason),
              bytesUp,
              local));
      return;
    }
    p.outcome.complete(new Outcome(r, null, bytesUp, local));
  }

  private void violation(String reason) {
    long bytes = headerBytes;
    for (Pending p : pending.values()) {
      p.fail(Failure.Kind.INVALID_REPLY, "protocol violation: " + reason, bytes);
    }
    pending.clear();
    out.close(Status.INVALID_ARGUMENT.withDescription(reason));
    grid.detach(this);
  }

  /** Registers an instruction and streams it on a virtual thread. */
  Pending submit(Instruction in, long messageId) {
    Pending p = new Pending(in, messageId);
    pending.put(messageId, p);
    if (out.isClosed()) {
      pending.remove(messageId);
      p.fail(Failure.Kind.DROPPED, "connection closed", 0);
      return p;
    }
    Thread.ofVirtual().name("p4j-send-" + in.clientId()).start(() -> stream(p));
    return p;
  }

  private void stream(Pending p) {
    payloadLock.lock();
    try {
      if (p.cancelled) {
        return;
      }
      ServerMessage head =
          ServerMessage.newBuilder()
              .setInstructionHeader(WireCodec.header(p.messageId, p.instruction))
              .build();
      p.bytesDown.addAndGet(out.send(head));
      Iterator<TensorChunk> it =
          TensorChunker.chunks(p.messageId, p.instruction.parameters(), grid.config().chunkBytes());
      while (it.hasNext()) {
        if (p.cancelled) {
          return;
        }
        p.bytesDown.addAndGet(out.send(ServerMessage.newBuilder().setChunk(it.next()).build()));
      }
      p.bytesDown.addAndGet(
          out.send(
              ServerMessage.newBuilder()
                  .setEnd(PayloadEnd.newBuilder().setMessageId(p.messageId))
                  .build()));
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (pending.remove(p.messageId) != null) {
        p.fail(Failure.Kind.DROPPED, "sending the instruction failed: " + e.getMessage(), 0);
      }
    } finally {
      payloadLock.unlock();
    }
  }

  /** Stops waiting for an instruction's reply (deadline passed) and tells the client. */
  void cancel(Pending p) {
    p.cancelled = true;
    if (pending.remove(p.messageId) == null) {
      return;
    }
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                out.send(
                    ServerMessage.newBuilder()
                        .setCancel(Cancel.newBuilder().setMessageId(p.messageId))
                        .build());
              } catch (IOException | InterruptedException ignored) {
                // the connection is gone: nothing to cancel
              }
            });
  }

  /** Ends the stream from the server side (revocation, shutdown). */
  void close(Status status) {
    out.close(status);
    connectionLost("closed by the server: " + status.getCode());
  }

  private void connectionLost(String reason) {
    out.markClosed();
    grid.detach(this);
    for (Pending p : pending.values()) {
      p.fail(Failure.Kind.DROPPED, "connection lost: " + reason, 0);
    }
    pending.clear();
  }

  @Override
  public void onError(Throwable t) {
    connectionLost(Status.fromThrowable(t).toString());
  }

  @Override
  public void onCompleted() {
    out.close(Status.OK);
    connectionLost("client closed the stream");
  }
}
