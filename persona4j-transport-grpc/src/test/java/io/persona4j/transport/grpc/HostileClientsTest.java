/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.transport.grpc.proto.ClientMessage;
import io.persona4j.transport.grpc.proto.DType;
import io.persona4j.transport.grpc.proto.PayloadEnd;
import io.persona4j.transport.grpc.proto.ReplyHeader;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.TensorHeader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Authenticated clients that misbehave on the wire (raw gRPC streams written by hand, as an
 * attacker with a valid token and a protobuf library would): each ends its own session at once, its
 * pending instruction fails immediately instead of at the deadline, the event is reported exactly
 * once, and the server's memory does not follow what a client announces.
 */
class HostileClientsTest {

  private static final ParameterSet P =
      ParameterSet.builder().add("x", new int[] {4}, new float[] {1, 2, 3, 4}).build();

  /** The round deadline: every failure below must come long before it. */
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  static ClientMessage header(long id, String client, long examples, int... shape) {
    return ClientMessage.newBuilder()
        .setReplyHeader(
            ReplyHeader.newBuilder()
                .setMessageId(id)
                .setClientId(client)
                .setRound(1)
                .setNumExamples(examples)
                .addTensors(
                    TensorHeader.newBuilder()
                        .setName("x")
                        .addAllShape(Arrays.stream(shape).boxed().toList())
                        .setDtype(DType.DTYPE_F32)))
        .build();
  }

  static ClientMessage chunk(long id, int... shape) {
    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    return ClientMessage.newBuilder()
        .setChunk(
            TensorChunk.newBuilder()
                .setMessageId(id)
                .setName("x")
                .addAllShape(Arrays.stream(shape).boxed().toList())
                .setDtype(DType.DTYPE_F32)
                .setOffset(0)
                .setData(ByteString.copyFrom(new byte[4 * n])))
        .build();
  }

  static ClientMessage end(long id) {
    return ClientMessage.newBuilder().setEnd(PayloadEnd.newBuilder().setMessageId(id)).build();
  }

  /** What a round with an honest client and a raw one answering with {@code bad} produced. */
  record Outcome(RoundResult result, double seconds, Status rawEnd, List<String> clientsAfter) {}

  interface Bad {
    void reply(RawClient raw, long messageId) throws Exception;
  }

  static Outcome round(GridHarness h, Bad bad) throws Exception {
    h.connect("good", TestApps.echo());
    h.registry.register("raw", GridHarness.token("raw"));
    try (RawClient raw = new RawClient(h.grid.port())) {
      raw.hello("raw", GridHarness.token("raw"));
      h.awaitClients(List.of("good", "raw"));
      Thread attacker =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      bad.reply(raw, raw.awaitInstructionEnd(Duration.ofSeconds(10)));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
      long t0 = System.nanoTime();
      RoundResult r =
          h.grid.send(
              List.of(
                  Instruction.fit(1, "good", P, Map.of()), Instruction.fit(1, "raw", P, Map.of())),
              DEADLINE);
      double seconds = (System.nanoTime() - t0) / 1e9;
      attacker.join();
      Status status = raw.awaitEnd(Duration.ofSeconds(10));
      h.awaitClients(List.of("good"));
      return new Outcome(r, seconds, status, h.grid.clients());
    }
  }

  static void assertEndedOnce(GridHarness h, Outcome o, Failure.Kind kind, String reason) {
    assertThat(o.seconds()).as("the round did not wait for its deadline").isLessThan(10);
    assertThat(o.result().replies()).extracting(Reply::clientId).containsExactly("good");
    assertThat(o.result().failures())
        .extracting(Failure::clientId, Failure::kind)
        .containsExactly(tuple("raw", kind));
    assertThat(o.result().failures().get(0).reason()).contains(reason);
    assertThat(o.rawEnd()).as("the server ended the raw stream").isNotNull();
    assertThat(o.clientsAfter()).containsExactly("good");
    assertThat(h.events.sessionsOf("raw")).as("reported once").hasSize(1);
    assertThat(h.events.sessionsOf("raw").get(0).line()).contains(reason);
  }

  @Test
  void malformedProtobufEndsTheSessionAtOnce() throws Exception {
    try (GridHarness h = new GridHarness()) {
      // field 2 (reply_header) announcing 2^21 bytes that never come: not a ClientMessage
      Outcome o =
          round(h, (raw, id) -> raw.sendBytes(new byte[] {0x12, (byte) 0xff, (byte) 0xff, 0x7f}));
      assertEndedOnce(h, o, Failure.Kind.INVALID_REPLY, "malformed message");
      assertThat(o.rawEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }

  @Test
  void negativeExampleCountFailsTheRequestAtOnce() throws Exception {
    try (GridHarness h = new GridHarness()) {
      Outcome o =
          round(
              h,
              (raw, id) -> {
                raw.send(header(id, "raw", -5, 4));
                raw.send(chunk(id, 4));
                raw.send(end(id));
              });
      assertEndedOnce(h, o, Failure.Kind.INVALID_REPLY, "numExamples must be >= 0, got -5");
    }
  }

  @Test
  void outOfMemoryWhileHandlingAReplyEndsOnlyThatSession() throws Exception {
    try (GridHarness h = new GridHarness()) {
      AtomicBoolean thrown = new AtomicBoolean();
      h.grid.injectFault(
          m -> {
            if (m.hasChunk() && m.getChunk().getData().size() == 12 && !thrown.getAndSet(true)) {
              throw new OutOfMemoryError("injected while handling a chunk");
            }
          });
      Outcome o =
          round(
              h,
              (raw, id) -> {
                raw.send(header(id, "raw", 1, 4));
                raw.send(
                    ClientMessage.newBuilder()
                        .setChunk(
                            chunk(id, 4).getChunk().toBuilder()
                                .setData(ByteString.copyFrom(new byte[12])))
                        .build());
              });
      assertThat(thrown).isTrue();
      assertEndedOnce(h, o, Failure.Kind.DROPPED, "out of memory");
      assertThat(o.rawEnd().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(h.grid.bytesInFlight()).as("its reservation was returned").isZero();
    }
  }

  @Test
  void replyWithoutOutstandingInstructionIsRefusedAtItsHeader() throws Exception {
    try (GridHarness h = new GridHarness();
        RawClient raw = new RawClient(h.grid.port())) {
      h.registry.register("raw", GridHarness.token("raw"));
      raw.hello("raw", GridHarness.token("raw"));
      h.awaitClients(List.of("raw"));
      raw.send(header(999, "raw", 1, 1 << 27)); // 512 MiB announced, nothing asked for
      Status s = raw.awaitEnd(Duration.ofSeconds(10));
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("not an outstanding instruction");
      assertThat(h.grid.bytesInFlight()).isZero();
    }
  }

  @Test
  void chunksStreamedWithoutAnyReplyEndTheSessionAtTheFirstChunk() throws Exception {
    // the probe streamed 500 MB of chunks with no instruction outstanding: all buffered, then
    // dropped; now the first chunk outside a reply ends the stream and nothing is kept
    try (GridHarness h = new GridHarness();
        RawClient raw = new RawClient(h.grid.port())) {
      h.registry.register("raw", GridHarness.token("raw"));
      raw.hello("raw", GridHarness.token("raw"));
      h.awaitClients(List.of("raw"));
      ClientMessage big = chunk(7, 1 << 18); // 1 MiB
      for (int i = 0; i < 8 && raw.awaitEnd(Duration.ZERO) == null; i++) {
        raw.send(big);
      }
      Status s = raw.awaitEnd(Duration.ofSeconds(10));
      assertThat(s).as("the server ended the stream").isNotNull();
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("chunk outside a reply");
      assertThat(h.grid.bytesInFlight()).isZero();
      assertThat(h.events.sessionsOf("raw")).as("reported once").hasSize(1);
      h.awaitClients(List.of());
    }
  }

  @Test
  void threeClientsAnnouncing4GiBAreRefusedAndMemoryStaysBounded() throws Exception {
    try (GridHarness h = new GridHarness()) {
      List<RawClient> raws = new ArrayList<>();
      List<Instruction> ins = new ArrayList<>();
      try {
        for (String id : List.of("m1", "m2", "m3")) {
          h.registry.register(id, GridHarness.token(id));
          RawClient raw = new RawClient(h.grid.port());
          raw.hello(id, GridHarness.token(id));
          raws.add(raw);
          ins.add(Instruction.fit(1, id, P, Map.of()));
        }
        h.awaitClients(List.of("m1", "m2", "m3"));
        long heapBefore = usedHeapAfterGc();
        long rssBefore = rss();
        List<Thread> attackers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          RawClient raw = raws.get(i);
          String id = ins.get(i).clientId();
          attackers.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        try {
                          long m = raw.awaitInstructionEnd(Duration.ofSeconds(10));
                          raw.send(header(m, id, 1, 1 << 30)); // 4 GiB of floats
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      }));
        }
        long t0 = System.nanoTime();
        RoundResult r = h.grid.send(ins, DEADLINE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (Thread t : attackers) {
          t.join();
        }
        long heapGrowth = usedHeapAfterGc() - heapBefore;
        long rssGrowth = rss() - rssBefore;
        Figures.record(
            String.format(
                java.util.Locale.ROOT,
                "memory: 3 clients announcing 4 GiB each refused in %.2f s; heap growth %.1f MiB,"
                    + " RSS growth %.1f MiB (bounds 32 MiB, 128 MiB)",
                seconds,
                heapGrowth / 1048576.0,
                rssGrowth / 1048576.0));
        assertThat(seconds).isLessThan(10);
        assertThat(r.replies()).isEmpty();
        assertThat(r.failures())
            .extracting(Failure::kind)
            .containsOnly(Failure.Kind.INVALID_REPLY)
            .hasSize(3);
        assertThat(r.failures())
            .allSatisfy(f -> assertThat(f.reason()).contains("refused at its header"));
        // the bound: what a round of 4-value replies needs, plus noise; 4 GiB were announced
        assertThat(heapGrowth).as("heap growth").isLessThan(32L << 20);
        assertThat(rssGrowth).as("RSS growth").isLessThan(128L << 20);
        assertThat(h.grid.bytesInFlight()).isZero();
        for (RawClient raw : raws) {
          assertThat(raw.awaitEnd(Duration.ofSeconds(10))).isNotNull();
        }
      } finally {
        raws.forEach(RawClient::close);
      }
    }
  }

  @Test
  void replyBeyondTheInFlightBudgetIsRefusedWithoutEndingTheSession() throws Exception {
    // room for one 4-value reply (16 bytes) at a time, no overhead
    GrpcGridConfig cfg =
        GrpcGridConfig.loopback(0).toBuilder()
            .optMaxBytesInFlight(20)
            .optReplyOverheadBytes(0)
            .build();
    try (GridHarness h = new GridHarness(cfg);
        RawClient a = new RawClient(h.grid.port());
        RawClient b = new RawClient(h.grid.port())) {
      for (String id : List.of("a", "b")) {
        h.registry.register(id, GridHarness.token(id));
      }
      a.hello("a", GridHarness.token("a"));
      b.hello("b", GridHarness.token("b"));
      h.awaitClients(List.of("a", "b"));
      // The two clients use separate connections, so the server may see a's end before b's header
      // unless the test waits: the first end the server is about to handle is b's, and by then it
      // has handled b's header (one stream's messages are handled in order).
      CountDownLatch bEndReached = new CountDownLatch(1);
      h.grid.injectFault(
          m -> {
            if (m.hasEnd()) {
              bEndReached.countDown();
            }
          });
      Thread replies =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      long ia = a.awaitInstructionEnd(Duration.ofSeconds(10));
                      long ib = b.awaitInstructionEnd(Duration.ofSeconds(10));
                      a.send(header(ia, "a", 1, 4));
                      while (h.grid.bytesInFlight() == 0) {
                        Thread.sleep(5);
                      }
                      b.send(header(ib, "b", 1, 4)); // does not fit: refused, data discarded
                      b.send(chunk(ib, 4));
                      b.send(end(ib));
                      if (!bEndReached.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the server never reached b's end");
                      }
                      a.send(chunk(ia, 4));
                      a.send(end(ia));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
      RoundResult r =
          h.grid.send(
              List.of(Instruction.fit(1, "a", P, Map.of()), Instruction.fit(1, "b", P, Map.of())),
              DEADLINE);
      replies.join();
      assertThat(r.replies()).extracting(Reply::clientId).containsExactly("a");
      assertThat(r.failures())
          .extracting(Failure::clientId, Failure::kind)
          .containsExactly(tuple("b", Failure.Kind.DROPPED));
      assertThat(r.failures().get(0).reason()).contains("maxBytesInFlight");
      assertThat(h.grid.bytesInFlight()).isZero();
      assertThat(h.grid.clients()).as("both sessions stay").containsExactly("a", "b");
    }
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Resident set size of this JVM (Linux {@code /proc/self/status}), in bytes. */
  static long rss() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return 1024L * Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
