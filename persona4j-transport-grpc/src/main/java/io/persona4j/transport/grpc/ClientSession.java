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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Server side of one client's {@code Connect} stream, as a state machine: {@code HELLO} (the stream
 * must authenticate within the hello timeout), {@code AUTHENTICATING} (a hello is being checked,
 * after the address's login delay), {@code READY} (instructions go down, replies come up) and
 * {@code ENDED}.
 *
 * <p>A reply is accepted only against an outstanding instruction (or, discarded unread, one
 * cancelled moments ago), and only if its header announces at most what the instruction expects
 * ({@link Instruction#maxReplyValues()} floats plus the grid's overhead); its announced bytes are
 * reserved against the grid's budget before any chunk is read. Whatever goes wrong with the stream
 * — a transport error, a malformed message, a protocol violation, a resource error while handling a
 * message — ends the session at once: every pending instruction fails immediately (so the round
 * goes on without waiting for its deadline), reservations are returned, the stream is closed, and
 * {@link ConnectionEvents#sessionEnded} hears about it exactly once.
 */
final class ClientSession implements StreamObserver<Inbound> {

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

  private enum State {
    HELLO,
    AUTHENTICATING,
    READY,
    ENDED
  }

  /** The reply being received. */
  private record Receiving(
      ReplyHeader header, PayloadAssembler assembler, Pending pending, long reserved, long bytes) {
    Receiving plus(long more) {
      return new Receiving(header, assembler, pending, reserved, bytes + more);
    }
  }

  /** Cancelled instructions whose late replies are still recognized (and discarded). */
  private static final int REMEMBERED_CANCELLATIONS = 64;

  private final GrpcGrid grid;
  private final OutboundStream<ServerMessage> out;
  private final ReentrantLock payloadLock = new ReentrantLock();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Map<Long, Instruction> cancelled =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Instruction> eldest) {
          return size() > REMEMBERED_CANCELLATIONS;
        }
      };
  private final String certificateCn;
  private final InetAddress inetAddress;
  private final InetSocketAddress remote;
  private final String address;
  private final ScheduledFuture<?> helloTimer;
  private State state = State.HELLO;
  private volatile String clientId;
  private Receiving receiving;

  /**
   * @param certificateCn common name of the peer's TLS client certificate, or null if none
   * @param remote the peer's address and port (its TCP connection), or null if unknown
   */
  ClientSession(
      GrpcGrid grid,
      ServerCallStreamObserver<ServerMessage> observer,
      String certificateCn,
      InetSocketAddress remote) {
    this.grid = grid;
    this.certificateCn = certificateCn;
    this.remote = remote;
    this.inetAddress = remote == null ? null : remote.getAddress();
    this.address = inetAddress == null ? "(unknown address)" : inetAddress.getHostAddress();
    grid.connections().streamOpened(remote);
    this.out = new OutboundStream<>(observer);
    observer.setOnReadyHandler(out::onReady);
    observer.setOnCancelHandler(
        () -> end(Failure.Kind.DROPPED, "connection lost: cancelled by the client", null));
    long helloNanos = grid.config().helloTimeout().toNanos();
    this.helloTimer =
        grid.scheduler()
            .schedule(
                () -> {
                  if (stateIs(State.HELLO)) {
                    end(
                        Failure.Kind.DROPPED,
                        String.format(
                            Locale.ROOT, "no hello within %.1f s (helloTimeout)", helloNanos / 1e9),
                        Status.DEADLINE_EXCEEDED.withDescription("no hello within the timeout"));
                  }
                },
                helloNanos,
                TimeUnit.NANOSECONDS);
  }

  String clientId() {
    return clientId;
  }

  boolean isOpen() {
    return !out.isClosed() && stateIs(State.READY);
  }

  private synchronized boolean stateIs(State s) {
    return state == s;
  }

  @Override
  public synchronized void onNext(Inbound in) {
    if (state == State.ENDED) {
      return;
    }
    try {
      if (in.malformed() != null) {
        throw new ProtocolException(in.malformed());
      }
      ClientMessage m = in.message();
      switch (state) {
        case HELLO -> hello(m);
        case AUTHENTICATING ->
            throw new ProtocolException(m.getKindCase() + " before the server answered the hello");
        case READY -> {
          grid.beforeHandling(m);
          handle(m, in.size());
        }
        case ENDED -> {}
      }
    } catch (ProtocolException e) {
      end(
          Failure.Kind.INVALID_REPLY,
          "protocol violation: " + e.getMessage(),
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    } catch (OutOfMemoryError e) {
      if (receiving != null) { // let the partial reply go first
        grid.budget().release(receiving.reserved());
        receiving = null;
      }
      end(
          Failure.Kind.DROPPED,
          "out of memory while handling its message: " + e.getMessage(),
          Status.RESOURCE_EXHAUSTED.withDescription("the server could not handle the message"));
    } catch (RuntimeException | Error e) {
      end(
          Failure.Kind.DROPPED,
          "server error while handling its message: " + e,
          Status.INTERNAL.withDescription("the server could not handle the message"));
    }
  }

  private void handle(ClientMessage m, int size) throws ProtocolException {
    switch (m.getKindCase()) {
      case REPLY_HEADER -> header(m.getReplyHeader(), size);
      case CHUNK -> {
        if (receiving == null) {
          throw new ProtocolException("chunk outside a reply");
        }
        receiving.assembler().accept(m.getChunk());
        receiving = receiving.plus(size);
      }
      case END -> {
        Receiving r = receiving;
        if (r == null || m.getEnd().getMessageId() != r.header().getMessageId()) {
          throw new ProtocolException(
              "end of message " + m.getEnd().getMessageId() + " outside it");
        }
        ParameterSet params = r.assembler().finish();
        receiving = null;
        grid.budget().release(r.reserved());
        if (r.pending() != null) {
          deliver(r.pending(), r.header(), params, r.bytes() + size);
        }
      }
      default -> throw new ProtocolException("unexpected " + m.getKindCase() + " after hello");
    }
  }

  /**
   * A reply header: accepted only for an outstanding (or just cancelled) instruction and only
   * within its expected size; reserves the announced bytes.
   */
  private void header(ReplyHeader h, int size) throws ProtocolException {
    if (receiving != null) {
      throw new ProtocolException("reply header inside reply " + receiving.header().getMessageId());
    }
    if (h.hasException() && h.getTensorsCount() > 0) {
      throw new ProtocolException("exception reply must not carry tensors");
    }
    long id = h.getMessageId();
    Pending p = pending.get(id);
    Instruction in = p != null ? p.instruction : cancelled.get(id);
    if (in == null) {
      throw new ProtocolException(
          "reply to message " + id + ", which is not an outstanding instruction");
    }
    long allowed = 4 * in.maxReplyValues() + grid.config().replyOverheadBytes();
    PayloadAssembler a;
    try {
      a =
          p == null
              ? PayloadAssembler.discarding(id, h.getTensorsList(), allowed)
              : new PayloadAssembler(id, h.getTensorsList(), allowed);
    } catch (ProtocolException e) {
      throw new ProtocolException(
          "reply to message "
              + id
              + " refused at its header ("
              + (4 * in.maxReplyValues())
              + " bytes expected, overhead "
              + grid.config().replyOverheadBytes()
              + "): "
              + e.getMessage());
    }
    if (p != null && !grid.budget().tryReserve(a.announcedBytes())) {
      pending.remove(id);
      p.fail(
          Failure.Kind.DROPPED,
          "reply of "
              + a.announcedBytes()
              + " bytes refused: the server's budget for replies in flight ("
              + grid.budget().capacity()
              + " bytes, maxBytesInFlight) is taken by other replies",
          size);
      receiving =
          new Receiving(
              h, PayloadAssembler.discarding(id, h.getTensorsList(), allowed), null, 0, size);
      return;
    }
    receiving = new Receiving(h, a, p, p == null ? 0 : a.announcedBytes(), size);
  }

  private void hello(ClientMessage m) throws ProtocolException {
    if (m.getKindCase() != ClientMessage.KindCase.HELLO) {
      throw new ProtocolException("first message must be a hello, got " + m.getKindCase());
    }
    helloTimer.cancel(false);
    state = State.AUTHENTICATING;
    String id = m.getHello().getClientId();
    String token = m.getHello().getToken();
    long wait =
        inetAddress == null ? 0 : grid.throttle().reserveNanos(inetAddress, System.nanoTime());
    if (wait <= 0) {
      verify(id, token);
    } else {
      grid.scheduler().schedule(() -> verify(id, token), wait, TimeUnit.NANOSECONDS);
    }
  }

  /** Checks the hello's id and token (after the address's login delay). */
  private synchronized void verify(String id, String token) {
    if (state != State.AUTHENTICATING) {
      return;
    }
    ClientRegistry.Verdict v = grid.registry().check(id, token, certificateCn);
    if (v == ClientRegistry.Verdict.OK) {
      clientId = id;
      state = State.READY;
      grid.attach(this);
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  out.send(
                      ServerMessage.newBuilder()
                          .setWelcome(Welcome.newBuilder().setClientId(id))
                          .build());
                } catch (IOException | InterruptedException e) {
                  end(Failure.Kind.DROPPED, "welcome failed: " + e.getMessage(), null);
                }
              });
      return;
    }
    Status status =
        switch (v) {
          case REVOKED ->
              Status.PERMISSION_DENIED.withDescription("client '" + id + "' is revoked");
          case CERTIFICATE_MISMATCH ->
              Status.UNAUTHENTICATED.withDescription(
                  "client certificate CN "
                      + (certificateCn == null ? "(no certificate)" : "'" + certificateCn + "'")
                      + " does not match client id '"
                      + id
                      + "'");
          default -> Status.UNAUTHENTICATED.withDescription("unknown client or bad token");
        };
    String reason =
        switch (v) {
          case REVOKED -> "revoked";
          case CERTIFICATE_MISMATCH -> status.getDescription();
          default -> "unknown client or bad token";
        };
    long now = System.nanoTime();
    int failures = inetAddress == null ? 0 : grid.throttle().failed(inetAddress, now);
    state = State.ENDED;
    // reported before the stream closes, so that whoever sees the refusal finds it logged
    grid.events()
        .loginRefused(
            address,
            ConnectionEvents.sanitize(id),
            reason,
            failures,
            grid.throttle().settings().delay(failures));
    out.close(status);
  }

  private void deliver(Pending p, ReplyHeader h, ParameterSet params, long bytesUp)
      throws ProtocolException {
    if (pending.remove(h.getMessageId()) == null) {
      return; // cancelled while it arrived: discarded
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
    Reply r;
    try {
      r = WireCodec.reply(h, params);
    } catch (ProtocolException e) {
      p.outcome.complete(
          new Outcome(
              null,
              new Failure(in.clientId(), Failure.Kind.INVALID_REPLY, e.getMessage()),
              bytesUp,
              local));
      throw e;
    }
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

  /** Registers an instruction and streams it on a virtual thread. */
  Pending submit(Instruction in, long messageId) {
    Pending p = new Pending(in, messageId);
    pending.put(messageId, p);
    if (out.isClosed() || !stateIs(State.READY)) {
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
    synchronized (this) {
      cancelled.put(p.messageId, p.instruction);
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

  /** Ends the stream from the server side (revocation, shutdown, run finished). */
  void close(Status status, String reason) {
    end(Failure.Kind.DROPPED, reason, status);
  }

  /**
   * Ends the session once: returns reservations, reports the end, fails every pending instruction
   * at once with {@code kind} and {@code reason}, closes the stream with {@code status} (null: the
   * peer is gone already) and detaches from the grid.
   */
  private void end(Failure.Kind kind, String reason, Status status) {
    String id;
    synchronized (this) {
      if (state == State.ENDED) {
        return;
      }
      state = State.ENDED;
      helloTimer.cancel(false);
      if (receiving != null) {
        grid.budget().release(receiving.reserved());
        receiving = null;
      }
      id = clientId;
    }
    // reported first, so that whoever sees an effect of the end (a failed request, the closed
    // stream, the client gone from the grid) finds it logged
    grid.events().sessionEnded(id, address, reason);
    long bytes = 0;
    for (Pending p : pending.values()) {
      p.fail(kind, reason, bytes);
    }
    pending.clear();
    if (status == null) {
      out.markClosed();
    } else {
      out.close(status);
    }
    grid.detach(this);
    grid.connections().streamClosed(remote);
  }

  @Override
  public void onError(Throwable t) {
    end(Failure.Kind.DROPPED, "connection lost: " + Status.fromThrowable(t), null);
  }

  @Override
  public void onCompleted() {
    end(Failure.Kind.DROPPED, "the client closed the stream", Status.OK);
  }
}
