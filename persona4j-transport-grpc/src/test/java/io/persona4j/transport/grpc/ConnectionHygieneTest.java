/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unauthenticated and idle connections are bounded in time and number, failed logins are throttled
 * and reported (never with the token), and a security mismatch between client and server stops the
 * client with a clear error instead of retrying forever.
 */
class ConnectionHygieneTest {

  /** The configured limits of these tests: one second each. */
  private static final Duration LIMIT = Duration.ofSeconds(1);

  /** Allowed lateness over a configured time (timer granularity, a loaded machine). */
  private static final double SLACK_SECONDS = 2.0;

  private static GrpcGridConfig fast() {
    return GrpcGridConfig.loopback(0).toBuilder()
        .optHelloTimeout(LIMIT)
        .optHandshakeTimeout(LIMIT)
        .optIdleTimeout(LIMIT)
        .build();
  }

  /** Seconds until the server closes {@code s} (everything it sends is read and ignored). */
  private static double secondsUntilClosed(Socket s, long t0) throws Exception {
    s.setSoTimeout(15_000);
    InputStream in = s.getInputStream();
    byte[] buf = new byte[1024];
    try {
      while (in.read(buf) >= 0) {
        // the server's SETTINGS, GOAWAY: read on until EOF
      }
    } catch (SocketTimeoutException e) {
      return Double.POSITIVE_INFINITY;
    } catch (java.net.SocketException e) {
      // reset by the server: closed as well
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @Test
  void idleConnectionsAreClosedWithinTheConfiguredTime() throws Exception {
    try (GridHarness h = new GridHarness(fast())) {
      // bare TCP: connects and says nothing
      double bare;
      try (Socket s = new Socket("127.0.0.1", h.grid.port())) {
        bare = secondsUntilClosed(s, System.nanoTime());
      }
      // a bare HTTP/2 preface and SETTINGS, then no stream
      double preface;
      try (Socket s = new Socket("127.0.0.1", h.grid.port())) {
        long t0 = System.nanoTime();
        OutputStream out = s.getOutputStream();
        out.write(PREFACE);
        out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
        out.flush();
        preface = secondsUntilClosed(s, t0);
      }
      // slowloris: the preface one byte every 200 ms
      double slow;
      try (Socket s = new Socket("127.0.0.1", h.grid.port())) {
        long t0 = System.nanoTime();
        Thread trickle =
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        OutputStream out = s.getOutputStream();
                        for (byte b : PREFACE) {
                          out.write(b);
                          out.flush();
                          Thread.sleep(200);
                        }
                      } catch (Exception e) {
                        // closed by the server
                      }
                    });
        slow = secondsUntilClosed(s, t0);
        trickle.interrupt();
      }
      // a gRPC stream that never says hello
      double noHello;
      Status noHelloStatus;
      try (RawClient raw = new RawClient(h.grid.port())) {
        long t0 = System.nanoTime();
        noHelloStatus = raw.awaitEnd(Duration.ofSeconds(15));
        noHello = (System.nanoTime() - t0) / 1e9;
      }
      Figures.record(
          String.format(
              Locale.ROOT,
              "idle connections (limits 1 s): bare TCP closed after %.2f s, bare HTTP/2 preface"
                  + " %.2f s, slowloris preface %.2f s, stream without hello %.2f s",
              bare,
              preface,
              slow,
              noHello));
      double bound = LIMIT.toMillis() / 1000.0 + SLACK_SECONDS;
      assertThat(bare).as("bare TCP").isLessThan(bound);
      assertThat(preface).as("bare preface").isLessThan(bound);
      assertThat(slow).as("slowloris").isLessThan(bound);
      assertThat(noHello).as("no hello").isLessThan(bound);
      assertThat(noHelloStatus.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(h.events.of("session"))
          .anySatisfy(e -> assertThat(e.line()).contains("no hello within 1.0 s"));
    }
  }

  @Test
  void connectionsPerAddressAreLimited() throws Exception {
    GrpcGridConfig cfg =
        GrpcGridConfig.loopback(0).toBuilder().optMaxConnectionsPerAddress(3).build();
    try (GridHarness h = new GridHarness(cfg)) {
      List<Socket> kept = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          kept.add(new Socket("127.0.0.1", h.grid.port()));
        }
        awaitOpen(h, 3); // the server accepted them
        for (int i = 0; i < 2; i++) {
          try (Socket extra = new Socket("127.0.0.1", h.grid.port())) {
            assertThat(secondsUntilClosed(extra, System.nanoTime()))
                .as("connection beyond the limit closed at once")
                .isLessThan(1.0);
          }
        }
        assertThat(h.events.of("connection"))
            .isNotEmpty()
            .allSatisfy(
                e ->
                    assertThat(e.line())
                        .contains("maxConnectionsPerAddress 3")
                        .doesNotContain("token"));
        // the kept ones are still open: the server sent its SETTINGS but no EOF yet
        kept.get(0).setSoTimeout(200);
        byte[] settings = kept.get(0).getInputStream().readNBytes(9);
        assertThat(settings).hasSize(9);
      } finally {
        for (Socket s : kept) {
          s.close();
        }
      }
      // once they are closed, the address may connect again
      awaitOpen(h, 0);
      h.connect("alice", TestApps.echo());
    }
  }

  @Test
  void failedLoginsAreThrottledAndEachIsReportedWithoutTheToken() throws Exception {
    LoginThrottle.Settings throttle =
        new LoginThrottle.Settings(
            Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMinutes(10), 1000);
    GrpcGridConfig cfg = GrpcGridConfig.loopback(0).toBuilder().optLoginThrottle(throttle).build();
    try (GridHarness h = new GridHarness(cfg)) {
      h.registry.register("alice", GridHarness.token("alice"));
      AtomicInteger refused = new AtomicInteger();
      long t0 = System.nanoTime();
      long window = 3_000_000_000L;
      List<Thread> attackers = new ArrayList<>();
      for (int a = 0; a < 4; a++) {
        int attacker = a;
        attackers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      for (int n = 0; System.nanoTime() - t0 < window; n++) {
                        try (RawClient raw = new RawClient(h.grid.port())) {
                          raw.hello("alice", "guess-" + attacker + "-" + n + "-SECRET");
                          Status s =
                              raw.awaitEnd(
                                  Duration.ofNanos(Math.max(1, window - (System.nanoTime() - t0))));
                          if (s != null && s.getCode() == Status.Code.UNAUTHENTICATED) {
                            refused.incrementAndGet();
                          }
                        } catch (InterruptedException e) {
                          return;
                        }
                      }
                    }));
      }
      for (Thread t : attackers) {
        t.join();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(100);
      List<RecordingEvents.Event> logged = h.events.of("login");
      Figures.record(
          String.format(
              Locale.ROOT,
              "login throttling (100 ms doubling to 400 ms): %d wrong-token attempts refused in"
                  + " %.1f s by 4 concurrent attackers (%.1f/s), %d log lines",
              refused.get(),
              seconds,
              refused.get() / seconds,
              logged.size()));
      // the 4 first attempts race the first failure and are checked at once; after that the
      // address gets one check per 100, 200, 400, 400, ... ms: at most 4 + 3 s / 400 ms + 1
      assertThat(refused.get()).isBetween(3, 13);
      assertThat(logged).hasSizeGreaterThanOrEqualTo(refused.get());
      assertThat(logged)
          .allSatisfy(
              e -> {
                assertThat(e.clientId()).isEqualTo("alice");
                assertThat(e.line())
                    .contains("unknown client or bad token")
                    .doesNotContain("SECRET");
              });
      assertThat(logged.get(logged.size() - 1).line()).contains("next delay 400 ms");
    }
  }

  private static GrpcClient client(GridHarness h, String id, ChannelCredentials c) {
    h.registry.register(id, GridHarness.token(id));
    GrpcClient client =
        GrpcClient.start(
            GrpcClientConfig.builder()
                .setHost("127.0.0.1")
                .setPort(h.grid.port())
                .setClientId(id)
                .setToken(GridHarness.token(id))
                .optBackoff(GridHarness.FAST)
                .optAuthority("localhost")
                .build(),
            c,
            TestApps.echo());
    h.clients.add(client);
    return client;
  }

  @Test
  void plaintextClientAtATlsServerStopsWithAClearError(@TempDir Path dir) throws Exception {
    SelfSigned server = SelfSigned.generate(dir, "localhost");
    ServerCredentials sc = TlsCredentials.server(server.keyStore(), SelfSigned.PASSWORD, null);
    try (GridHarness h = new GridHarness(GrpcGridConfig.loopback(0), sc, null)) {
      GrpcClient c = client(h, "bob", InsecureChannelCredentials.create());
      assertThat(c.awaitStopped(Duration.ofSeconds(30))).as("stopped, not retrying").isTrue();
      assertThat(c.transportMismatch())
          .hasValueSatisfying(m -> assertThat(m).contains("speaks TLS").contains("plaintext"));
      assertThat(c.isConnected()).isFalse();
    }
  }

  @Test
  void tlsClientAtAPlaintextServerStopsWithAClearError(@TempDir Path dir) throws Exception {
    SelfSigned server = SelfSigned.generate(dir, "localhost");
    ChannelCredentials tls =
        TlsCredentials.client(TlsCredentials.trustStore(server.certificate()), null, null);
    try (GridHarness h =
        new GridHarness(GrpcGridConfig.loopback(0), InsecureServerCredentials.create(), null)) {
      GrpcClient c = client(h, "bob", tls);
      assertThat(c.awaitStopped(Duration.ofSeconds(30))).as("stopped, not retrying").isTrue();
      assertThat(c.transportMismatch())
          .hasValueSatisfying(m -> assertThat(m).contains("speaks plaintext gRPC").contains("TLS"));
    }
  }

  /**
   * Waits (at most 10 s) until the server counts {@code n} connections from the loopback address.
   */
  static void awaitOpen(GridHarness h, int n) throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    long end = System.nanoTime() + 10_000_000_000L;
    while (h.grid.connections().open(loopback) != n) {
      if (System.nanoTime() > end) {
        throw new AssertionError(
            "the server counts " + h.grid.connections().open(loopback) + " connections, not " + n);
      }
      Thread.sleep(10);
    }
  }
}
