/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.persona4j.federated.Failure;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.RoundResult;
import io.persona4j.transport.grpc.proto.ClientMessage;
import io.persona4j.transport.grpc.proto.DType;
import io.persona4j.transport.grpc.proto.FederatedServiceGrpc;
import io.persona4j.transport.grpc.proto.Hello;
import io.persona4j.transport.grpc.proto.PayloadEnd;
import io.persona4j.transport.grpc.proto.ReplyHeader;
import io.persona4j.transport.grpc.proto.ServerMessage;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.TensorHeader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** A hand-written client that answers with a malformed chunk stream. */
class MalformedStreamTest {

  private static final ParameterSet P =
      ParameterSet.builder().add("x", new int[] {4}, new float[] {1, 2, 3, 4}).build();

  private static ClientMessage header(long id, String clientId) {
    return ClientMessage.newBuilder()
        .setReplyHeader(
            ReplyHeader.newBuilder()
                .setMessageId(id)
                .setClientId(clientId)
                .setRound(1)
                .setNumExamples(1)
                .addTensors(
                    TensorHeader.newBuilder().setName("x").addShape(4).setDtype(DType.DTYPE_F32)))
        .build();
  }

  private static ClientMessage chunk(long id, long offset, int bytes) {
    return ClientMessage.newBuilder()
        .setChunk(
            TensorChunk.newBuilder()
                .setMessageId(id)
                .setName("x")
                .addShape(4)
                .setDtype(DType.DTYPE_F32)
                .setOffset(offset)
                .setData(ByteString.copyFrom(new byte[bytes])))
        .build();
  }

  private static ClientMessage end(long id) {
    return ClientMessage.newBuilder().setEnd(PayloadEnd.newBuilder().setMessageId(id)).build();
  }

  /** Runs a round with a good client and a raw one whose reply is written by {@code bad}. */
  private static void roundWithBadClient(
      BiConsumer<StreamObserver<ClientMessage>, Long> bad, String expectedReason) throws Exception {
    try (GridHarness h = new GridHarness()) {
      h.connect("good", TestApps.echo());
      h.registry.register("raw", GridHarness.token("raw"));
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", h.grid.port(), InsecureChannelCredentials.create())
              .build();
      try {
        AtomicReference<StreamObserver<ClientMessage>> requests = new AtomicReference<>();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        requests.set(
            FederatedServiceGrpc.newStub(ch)
                .connect(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ServerMessage m) {
                        if (m.hasEnd()) {
                          bad.accept(requests.get(), m.getEnd().getMessageId());
                        }
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                      }

                      @Override
                      public void onCompleted() {
                        ended.complete(Status.OK);
                      }
                    }));
        requests
            .get()
            .onNext(
                ClientMessage.newBuilder()
                    .setHello(
                        Hello.newBuilder().setClientId("raw").setToken(GridHarness.token("raw")))
                    .build());
        h.awaitClients(List.of("good", "raw"));
        RoundResult r =
            h.grid.send(
                List.of(
                    Instruction.fit(1, "good", P, Map.of()),
                    Instruction.fit(1, "raw", P, Map.of())),
                Duration.ofSeconds(10));
        assertThat(r.replies()).extracting(Reply::clientId).containsExactly("good");
        assertThat(r.failures())
            .extracting(Failure::clientId, Failure::kind)
            .containsExactly(tuple("raw", Failure.Kind.INVALID_REPLY));
        assertThat(r.failures().get(0).reason()).contains(expectedReason);
        // the server ended the offender's stream and keeps serving the others
        assertThat(ended.get(10, TimeUnit.SECONDS).getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        h.awaitClients(List.of("good"));
        RoundResult next =
            h.grid.send(List.of(Instruction.fit(2, "good", P, Map.of())), Duration.ofSeconds(10));
        assertThat(next.replies()).hasSize(1);
        assertThat(next.replies().get(0).parameters()).isEqualTo(P);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void chunkWithPartialFloatIsInvalidReply() throws Exception {
    roundWithBadClient(
        (out, id) -> {
          out.onNext(header(id, "raw"));
          out.onNext(chunk(id, 0, 7));
        },
        "not a positive multiple of 4");
  }

  @Test
  void chunkOverrunningTheTensorIsInvalidReply() throws Exception {
    roundWithBadClient(
        (out, id) -> {
          out.onNext(header(id, "raw"));
          out.onNext(chunk(id, 0, 20));
        },
        "overruns");
  }

  @Test
  void truncatedPayloadIsInvalidReply() throws Exception {
    roundWithBadClient(
        (out, id) -> {
          out.onNext(header(id, "raw"));
          out.onNext(chunk(id, 0, 8));
          out.onNext(end(id));
        },
        "ended with tensor 'x' at 2 of 4");
  }

  @Test
  void gapInOffsetsIsInvalidReply() throws Exception {
    roundWithBadClient(
        (out, id) -> {
          out.onNext(header(id, "raw"));
          out.onNext(chunk(id, 0, 4));
          out.onNext(chunk(id, 2, 8));
        },
        "at offset 2, expected 1");
  }
}
