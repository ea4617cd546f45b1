/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.transport.grpc.proto.ClientMessage;
import io.persona4j.transport.grpc.proto.FederatedServiceGrpc;
import io.persona4j.transport.grpc.proto.Hello;
import io.persona4j.transport.grpc.proto.InstructionHeader;
import io.persona4j.transport.grpc.proto.PayloadEnd;
import io.persona4j.transport.grpc.proto.ServerMessage;
import io.persona4j.transport.grpc.proto.TensorChunk;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a {@link GrpcGrid}: connects to the server, authenticates with its token, runs
 * its {@link ClientApp} for every instruction received and streams the replies back. When the
 * connection cannot be opened or breaks, it reconnects after a bounded exponential {@link Backoff}
 * (reset after each successful authentication); when the server refuses it ({@code UNAUTHENTICATED}
 * or {@code PERMISSION_DENIED}) it stops and reports the refusal; when the server ends the stream
 * normally ({@link GrpcGrid#finish()}) the run is over and it stops with {@link #finished()}. A
 * {@link RetryListener} hears about every retry; with {@link GrpcClientConfig#giveUpAfter()} set, a
 * client that cannot reach the server for that long stops with {@link #gaveUp()}.
 */
public final class GrpcClient implements AutoCloseable {

  /**
   * One retry of a client that could not reach the server or lost its connection.
   *
   * @param failuresInARow failed attempts since the last successful authentication (1 for the
   *     first)
   * @param delay the pause before the next attempt
   * @param reason why the last attempt failed
   * @param giveUpIn time left before the client gives up, or null if it never does
   */
  public record Retry(int failuresInARow, Duration delay, String reason, Duration giveUpIn) {}

  /** Hears about the retries of a client (on its connection thread). */
  @FunctionalInterface
  public interface RetryListener {
    /** The client is about to pause {@code retry.delay()} and try again. */
    void onRetry(Retry retry);
  }

  private static final Logger LOG = LoggerFactory.getLogger(GrpcClient.class);

  private final GrpcClientConfig config;
  private final ChannelCredentials credentials;
  private final ClientApp app;
  private final RetryListener retries;
  private final Thread loop;
  private final AtomicInteger attempts = new AtomicInteger();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile boolean connected;
  private volatile boolean finished;
  private volatile Status refusal;
  private volatile String gaveUp;
  private volatile ManagedChannel channel;
  private volatile Connection connection;

  private GrpcClient(
      GrpcClientConfig config,
      ChannelCredentials credentials,
      ClientApp app,
      RetryListener retries) {
    this.config = config;
    this.credentials = credentials;
    this.app = app;
    this.retries = retries;
    this.loop =
        Thread.ofPlatform().daemon().name("p4j-client-" + config.clientId()).unstarted(this::run);
  }

  /**
   * Starts a client in the background.
   *
   * @param credentials {@code InsecureChannelCredentials.create()} or {@link TlsCredentials#client}
   */
  public static GrpcClient start(
      GrpcClientConfig config, ChannelCredentials credentials, ClientApp app) {
    return start(config, credentials, app, r -> LOG.debug("client {}: {}", config.clientId(), r));
  }

  /** Starts a client in the background that tells {@code retries} about every retry. */
  public static GrpcClient start(
      GrpcClientConfig config,
      ChannelCredentials credentials,
      ClientApp app,
      RetryListener retries) {
    GrpcClient c = new GrpcClient(config, credentials, app, retries);
    c.loop.start();
    return c;
  }

  /** Whether the client is currently connected and authenticated. */
  public boolean isConnected() {
    return connected;
  }

  /** Waits until the client is authenticated; false on timeout or refusal. */
  public boolean awaitConnected(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end && refusal == null && !closed) {
      if (connected) {
        return true;
      }
      Thread.sleep(10);
    }
    return connected;
  }

  /** The status with which the server refused this client, if it did (the client then stops). */
  public Optional<Status> refusal() {
    return Optional.ofNullable(refusal);
  }

  /**
   * Whether the server ended the run ({@link GrpcGrid#finish()}: it completed the stream normally);
   * the client then stops instead of reconnecting.
   */
  public boolean finished() {
    return finished;
  }

  /**
   * Why the client gave up reaching the server ({@link GrpcClientConfig#giveUpAfter()}), if it did
   * (the client then stops).
   */
  public Optional<String> gaveUp() {
    return Optional.ofNullable(gaveUp);
  }

  /** Waits until the client stopped (refused, finished, gave up or closed). */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Number of connection attempts so far. */
  public int connectAttempts() {
    return attempts.get();
  }

  private void run() {
    Backoff.Sampler backoff = config.backoff().sampler();
    int failuresInARow = 0;
    long lastContact = System.nanoTime();
    try {
      while (!closed) {
        attempts.incrementAndGet();
        ManagedChannelBuilder<?> b =
            Grpc.newChannelBuilderForAddress(config.host(), config.port(), credentials);
        if (config.authority() != null) {
          b.overrideAuthority(config.authority());
        }
        channel = b.build();
        String failure;
        if (!awaitReady(channel, Duration.ofSeconds(10))) {
          channel.shutdownNow();
          failure =
              "cannot reach "
                  + config.host()
                  + ":"
                  + config.port()
                  + " (no server there, unreachable, or the TLS handshake failed)";
        } else {
          Connection c = new Connection();
          connection = c;
          FederatedServiceGrpc.newStub(channel).connect(c);
          c.hello();
          Status end = c.awaitEnd();
          connected = false;
          channel.shutdownNow();
          if (c.welcomed) {
            failuresInARow = 0;
            lastContact = System.nanoTime();
          }
          if (end.isOk()) {
            finished = true;
            LOG.info("client {}: the server finished the run", config.clientId());
            return;
          }
          if (end.getCode() == Status.Code.UNAUTHENTICATED
              || end.getCode() == Status.Code.PERMISSION_DENIED) {
            refusal = end;
            LOG.warn("client {} refused by the server: {}", config.clientId(), end);
            return;
          }
          failure =
              "disconnected: "
                  + end.getCode()
                  + (end.getDescription() == null ? "" : ": " + end.getDescription());
        }
        if (closed) {
          return;
        }
        Duration giveUpIn = null;
        if (config.givesUp()) {
          giveUpIn = config.giveUpAfter().minusNanos(System.nanoTime() - lastContact);
          if (giveUpIn.isNegative() || giveUpIn.isZero()) {
            gaveUp =
                String.format(
                    Locale.ROOT,
                    "no connection to the server for %.1f s (giveUpAfter); last: %s",
                    config.giveUpAfter().toMillis() / 1000.0,
                    failure);
            LOG.info("client {} gives up: {}", config.clientId(), gaveUp);
            return;
          }
        }
        Duration d = backoff.delay(failuresInARow++);
        retries.onRetry(new Retry(failuresInARow, d, failure, giveUpIn));
        Thread.sleep(d.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      connected = false;
      stopped.countDown();
    }
  }

  /** Waits until the channel is connected (TLS handshake done); false on failure or timeout. */
  private static boolean awaitReady(ManagedChannel ch, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    ConnectivityState state = ch.getState(true);
    while (state != ConnectivityState.READY) {
      long left = end - System.nanoTime();
      if (state == ConnectivityState.TRANSIENT_FAILURE
          || state == ConnectivityState.SHUTDOWN
          || left <= 0) {
        return false;
      }
      CountDownLatch changed = new CountDownLatch(1);
      ch.notifyWhenStateChanged(state, changed::countDown);
      changed.await(left, TimeUnit.NANOSECONDS);
      state = ch.getState(true);
    }
    return true;
  }

  /** Disconnects (abruptly, cancelling the stream) and stops reconnecting. */
  @Override
  public void close() {
    closed = true;
    Connection c = connection;
    if (c != null) {
      c.cancel("client closed");
    }
    ManagedChannel ch = channel;
    if (ch != null) {
      ch.shutdownNow();
    }
    loop.interrupt();
    try {
      loop.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One {@code Connect} stream. */
  private final class Connection implements ClientResponseObserver<ClientMessage, ServerMessage> {
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Map<Long, Thread> tasks = new ConcurrentHashMap<>();
    private final Object payloadLock = new Object();
    private volatile Status endStatus;
    private volatile boolean welcomed;
    private ClientCallStreamObserver<ClientMessage> requests;
    private OutboundStream<ClientMessage> out;
    // instruction being received (touched only by gRPC's serialised inbound callbacks)
    private InstructionHeader header;
    private PayloadAssembler assembler;

    @Override
    public void beforeStart(ClientCallStreamObserver<ClientMessage> requestStream) {
      requests = requestStream;
      out = new OutboundStream<>(requestStream);
      requestStream.setOnReadyHandler(out::onReady);
    }

    /** Sends the Hello (after the call has started). */
    void hello() {
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  out.send(
                      ClientMessage.newBuilder()
                          .setHello(
                              Hello.newBuilder()
                                  .setClientId(config.clientId())
                                  .setToken(config.token()))
                          .build());
                } catch (IOException | InterruptedException e) {
                  cancel("hello failed: " + e.getMessage());
                }
              });
    }

    void cancel(String why) {
      out.markClosed();
      requests.cancel(why, null);
    }

    Status awaitEnd() throws InterruptedException {
      ended.await();
      return endStatus;
    }

    @Override
    public void onNext(ServerMessage m) {
      try {
        switch (m.getKindCase()) {
          case WELCOME -> {
            welcomed = true;
            connected = true;
          }
          case INSTRUCTION_HEADER -> {
            if (assembler != null) {
              throw new ProtocolException(
                  "instruction header inside message " + header.getMessageId());
            }
            header = m.getInstructionHeader();
            assembler =
                new PayloadAssembler(
                    header.getMessageId(), header.getTensorsList(), config.maxPayloadBytes());
          }
          case CHUNK -> {
            if (assembler == null) {
              throw new ProtocolException("chunk outside an instruction");
            }
            assembler.accept(m.getChunk());
          }
          case END -> {
            if (assembler == null || m.getEnd().getMessageId() != header.getMessageId()) {
              throw new ProtocolException(
                  "end of message " + m.getEnd().getMessageId() + " outside it");
            }
            Instruction in = WireCodec.instruction(header, assembler.finish());
            long id = header.getMessageId();
            header = null;
            assembler = null;
            Thread t = Thread.ofVirtual().name("p4j-task-" + id).unstarted(() -> execute(id, in));
            tasks.put(id, t);
            t.start();
          }
          case CANCEL -> {
            Thread t = tasks.remove(m.getCancel().getMessageId());
            if (t != null) {
              t.interrupt();
            }
          }
          default -> throw new ProtocolException("unexpected server message " + m.getKindCase());
        }
      } catch (ProtocolException e) {
        LOG.warn("client {}: server protocol violation: {}", config.clientId(), e.getMessage());
        cancel("protocol violation: " + e.getMessage());
      }
    }

    private void execute(long id, Instruction in) {
      long t0 = System.nanoTime();
      Reply r = null;
      Throwable failure = null;
      try {
        r =
            switch (in.task()) {
              case FIT -> app.fit(in);
              case EVALUATE -> app.evaluate(in);
            };
        if (r == null) {
          failure = new NullPointerException("client returned null");
        }
      } catch (Exception e) {
        failure = e;
      }
      long local = System.nanoTime() - t0;
      if (tasks.remove(id) == null) {
        return; // cancelled by the server
      }
      try {
        synchronized (payloadLock) {
          if (failure != null) {
            out.send(
                ClientMessage.newBuilder()
                    .setReplyHeader(
                        WireCodec.exceptionHeader(
                            id, config.clientId(), in.round(), failure, local))
                    .build());
          } else {
            out.send(
                ClientMessage.newBuilder().setReplyHeader(WireCodec.header(id, r, local)).build());
            if (!r.isError()) {
              Iterator<TensorChunk> it =
                  TensorChunker.chunks(id, r.parameters(), config.chunkBytes());
              while (it.hasNext()) {
                out.send(ClientMessage.newBuilder().setChunk(it.next()).build());
              }
            }
          }
          out.send(
              ClientMessage.newBuilder().setEnd(PayloadEnd.newBuilder().setMessageId(id)).build());
        }
      } catch (IOException | InterruptedException e) {
        LOG.debug("client {}: reply {} not sent: {}", config.clientId(), id, e.getMessage());
      }
    }

    private void finish(Status s) {
      endStatus = s;
      out.markClosed();
      tasks.values().forEach(Thread::interrupt);
      tasks.clear();
      ended.countDown();
    }

    @Override
    public void onError(Throwable t) {
      finish(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      finish(Status.OK.withDescription("server finished the run"));
    }
  }
}
