/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server's TCP connections, below gRPC: refuses (closes at once, before any TLS or HTTP/2 work)
 * a connection that would exceed {@code perAddress} connections from its address or {@code total}
 * in all, and closes any connection that has had no stream for {@code idleTimeout}. gRPC's own
 * {@code maxConnectionIdle} closes an idle connection gracefully (GOAWAY, then a ping the peer must
 * answer), which a peer that only sent a preface, or nothing, can stretch by 10 s; this reaper
 * closes it hard. Streams are attributed to their connection by the remote address and port gRPC
 * reports for the call. Refusals are reported to {@link ConnectionEvents#connectionRefused} at most
 * once a second (with the number refused since the last report), so a flood cannot flood the log.
 */
final class ConnectionLimiter {

  /** One accepted connection. */
  private static final class Conn {
    final Channel channel;
    int streams;
    long lastActive;

    Conn(Channel channel, long now) {
      this.channel = channel;
      this.lastActive = now;
    }
  }

  private final int perAddress;
  private final int total;
  private final long idleNanos;
  private final ConnectionEvents events;
  private final Map<InetAddress, Integer> open = new HashMap<>();
  private final Map<InetSocketAddress, Conn> connections = new HashMap<>();
  private int all;
  private long lastReport;
  private int unreported;

  ConnectionLimiter(
      int perAddress,
      int total,
      Duration idleTimeout,
      ScheduledExecutorService timer,
      ConnectionEvents events) {
    this.perAddress = perAddress;
    this.total = total;
    this.idleNanos = idleTimeout.toNanos();
    this.events = events;
    long period = Math.max(50, Math.min(1_000, idleTimeout.toMillis() / 4));
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            reap();
          } catch (RuntimeException e) {
            // a failed pass must not cancel the next ones
          }
        },
        period,
        period,
        TimeUnit.MILLISECONDS);
  }

  /** Admits a connection from {@code remote}, or says why not. */
  private synchronized String admit(InetSocketAddress remote, Channel child) {
    InetAddress a = remote.getAddress();
    int n = open.getOrDefault(a, 0);
    if (n >= perAddress) {
      return n + " connections from this address (maxConnectionsPerAddress " + perAddress + ")";
    }
    if (all >= total) {
      return all + " connections in all (maxConnections " + total + ")";
    }
    open.put(a, n + 1);
    all++;
    connections.put(remote, new Conn(child, System.nanoTime()));
    return null;
  }

  private synchronized void release(InetSocketAddress remote) {
    if (connections.remove(remote) == null) {
      return;
    }
    open.computeIfPresent(remote.getAddress(), (k, n) -> n <= 1 ? null : n - 1);
    all--;
  }

  /** A stream started on the connection from {@code remote}. */
  synchronized void streamOpened(InetSocketAddress remote) {
    Conn c = remote == null ? null : connections.get(remote);
    if (c != null) {
      c.streams++;
      c.lastActive = System.nanoTime();
    }
  }

  /** A stream on the connection from {@code remote} ended. */
  synchronized void streamClosed(InetSocketAddress remote) {
    Conn c = remote == null ? null : connections.get(remote);
    if (c != null) {
      c.streams = Math.max(0, c.streams - 1);
      c.lastActive = System.nanoTime();
    }
  }

  /** Connections open now from {@code a}. */
  synchronized int open(InetAddress a) {
    return open.getOrDefault(a, 0);
  }

  /** Closes the connections without a stream for longer than the idle timeout. */
  private void reap() {
    List<Channel> idle;
    long now = System.nanoTime();
    synchronized (this) {
      idle =
          connections.values().stream()
              .filter(c -> c.streams == 0 && now - c.lastActive > idleNanos)
              .map(c -> c.channel)
              .toList();
    }
    for (Channel ch : idle) {
      // past the pipeline: Http2ConnectionHandler.close would shut down gracefully, waiting for a
      // ping the peer need not answer
      ch.eventLoop().execute(() -> ch.unsafe().close(ch.unsafe().voidPromise()));
    }
  }

  private void refused(InetAddress a, String why) {
    String line = null;
    synchronized (this) {
      unreported++;
      long now = System.nanoTime();
      if (lastReport == 0 || now - lastReport >= 1_000_000_000L) {
        line = why + (unreported > 1 ? " (" + unreported + " refused in the last second)" : "");
        unreported = 0;
        lastReport = now;
      }
    }
    if (line != null) {
      events.connectionRefused(a.getHostAddress(), line);
    }
  }

  /** A server socket channel whose accepted connections pass through this limiter. */
  NioServerSocketChannel newServerChannel() {
    return new NioServerSocketChannel() {
      @Override
      protected int doReadMessages(List<Object> buf) throws Exception {
        int before = buf.size();
        super.doReadMessages(buf);
        for (int i = buf.size() - 1; i >= before; i--) {
          Channel child = (Channel) buf.get(i);
          if (!(child.remoteAddress() instanceof InetSocketAddress remote)) {
            continue;
          }
          String why = admit(remote, child);
          if (why != null) {
            buf.remove(i);
            refused(remote.getAddress(), why); // reported before the peer can see the close
            child.unsafe().closeForcibly();
          } else {
            child.closeFuture().addListener(f -> release(remote));
          }
        }
        return buf.size() - before;
      }
    };
  }
}
