/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.ParameterSet;
import io.persona4j.transport.grpc.proto.DType;
import io.persona4j.transport.grpc.proto.TensorChunk;
import io.persona4j.transport.grpc.proto.TensorHeader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadAssemblerTest {

  private static final ParameterSet P =
      ParameterSet.builder()
          .add("a", new int[] {2, 5}, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
          .add("s", new int[] {}, new float[] {-3.5f})
          .add("b", new int[] {3}, new float[] {Float.NaN, -0f, Float.MAX_VALUE})
          .build();

  private static List<TensorChunk> chunks(int chunkBytes) {
    List<TensorChunk> out = new ArrayList<>();
    Iterator<TensorChunk> it = TensorChunker.chunks(9, P, chunkBytes);
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void chunkedSetReassemblesExactlyForAnyChunkSize() throws Exception {
    for (int chunkBytes : new int[] {4, 12, 40, 1 << 20}) {
      List<TensorChunk> cs = chunks(chunkBytes);
      // a: ceil(40 / cb) chunks, s: 1, b: ceil(12 / cb)
      int expected = (40 + chunkBytes - 1) / chunkBytes + 1 + (12 + chunkBytes - 1) / chunkBytes;
      assertThat(cs).as("chunks at %d bytes", chunkBytes).hasSize(expected);
      assertThat(cs)
          .allSatisfy(c -> assertThat(c.getData().size()).isLessThanOrEqualTo(chunkBytes));
      PayloadAssembler a = new PayloadAssembler(9, TensorChunker.headers(P), 1000);
      for (TensorChunk c : cs) {
        a.accept(c);
      }
      assertThat(a.finish()).isEqualTo(P);
    }
  }

  @Test
  void emptySetNeedsNoChunks() throws Exception {
    assertThat(TensorChunker.chunks(1, ParameterSet.empty(), 8).hasNext()).isFalse();
    assertThat(new PayloadAssembler(1, List.of(), 0).finish()).isEqualTo(ParameterSet.empty());
  }

  @Test
  void violationsAreRejectedWithAReason() throws Exception {
    List<TensorHeader> headers = TensorChunker.headers(P);
    List<TensorChunk> cs = chunks(12);
    // announced size above the bound is refused before allocating
    assertThatThrownBy(() -> new PayloadAssembler(9, headers, 55))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("exceeds 55 bytes");
    // duplicate names, bad dtype, non-positive dims
    assertThatThrownBy(() -> new PayloadAssembler(9, List.of(headers.get(0), headers.get(0)), 1000))
        .hasMessageContaining("duplicate tensor 'a'");
    assertThatThrownBy(
            () ->
                new PayloadAssembler(
                    9,
                    List.of(headers.get(0).toBuilder().setDtype(DType.DTYPE_UNSPECIFIED).build()),
                    1000))
        .hasMessageContaining("unsupported dtype");
    assertThatThrownBy(
            () ->
                new PayloadAssembler(
                    9, List.of(headers.get(0).toBuilder().setShape(1, 0).build()), 1000))
        .hasMessageContaining("bad tensor header");
    // wrong message id, wrong tensor, wrong shape
    PayloadAssembler a = new PayloadAssembler(9, headers, 1000);
    assertThatThrownBy(() -> a.accept(cs.get(0).toBuilder().setMessageId(8).build()))
        .hasMessageContaining("chunk of message 8 inside message 9");
    assertThatThrownBy(() -> a.accept(cs.get(0).toBuilder().setName("b").build()))
        .hasMessageContaining("where tensor 'a' is expected");
    assertThatThrownBy(() -> a.accept(cs.get(0).toBuilder().setShape(0, 5).setShape(1, 2).build()))
        .hasMessageContaining("has shape [5, 2]");
    // chunks after the last tensor
    PayloadAssembler full = new PayloadAssembler(9, headers, 1000);
    for (TensorChunk c : cs) {
      full.accept(c);
    }
    assertThatThrownBy(() -> full.accept(cs.get(0)))
        .hasMessageContaining("after all tensors are complete");
  }
}
