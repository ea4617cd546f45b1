/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.ParameterSet;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Round trips and sizes of the secure-aggregation wire encoding. */
class SecAggWireTest {

  private static long[] residues(Random rnd, int n, int bits) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = bits == 64 ? rnd.nextLong() : rnd.nextLong() & ((1L << bits) - 1);
    }
    return v;
  }

  @Test
  void maskedInputsRoundTripExactlyAtEveryWidth() {
    Random rnd = new Random(7);
    for (int bits : new int[] {0, 1, 7, 8, 13, 26, 55, 56, 57, 61, 63, 64}) {
      for (int n : new int[] {0, 1, 2, 3, 17, 1000}) {
        long[] v = residues(rnd, n, bits);
        MaskedInput m = new MaskedInput(5, v);
        byte[] bytes = SecAggWire.encode(m);
        MaskedInput back = SecAggWire.decodeMaskedInput(bytes);
        assertThat(back.clientId()).isEqualTo(5);
        assertThat(back.maskedInput()).as("bits %d, n %d", bits, n).containsExactly(v);
        // through the float32 reply tensor, as a client sends it
        assertThat(SecAggWire.fromParameters(SecAggWire.toParameters(bytes))).isEqualTo(bytes);
      }
    }
  }

  @Test
  void packedSizeIsIdCountWidthAndTheBits() {
    long[] v = residues(new Random(3), 1000, 26);
    v[0] = (1L << 25) | 1; // make sure the largest value has exactly 26 bits
    byte[] bytes = SecAggWire.encode(new MaskedInput(1, v));
    assertThat(bytes).hasSize(4 + 4 + 1 + (1000 * 26 + 7) / 8);
    // 3 bytes per float32 element plus two length elements
    ParameterSet p = SecAggWire.toParameters(bytes);
    assertThat(p.values(SecAggWire.TENSOR)).hasSize(2 + (bytes.length + 2) / 3);
  }

  @Test
  void malformedEncodingsAreRejected() {
    byte[] bytes = SecAggWire.encode(new MaskedInput(1, new long[] {1, 2, 3}));
    byte[] badWidth = bytes.clone();
    badWidth[8] = 65;
    assertThatThrownBy(() -> SecAggWire.decodeMaskedInput(badWidth)).hasMessageContaining("65");
    byte[] badPadding = bytes.clone();
    badPadding[badPadding.length - 1] |= 1; // 3 values x 2 bits = 6 bits: 2 padding bits
    assertThatThrownBy(() -> SecAggWire.decodeMaskedInput(badPadding))
        .hasMessageContaining("padding");
    ParameterSet p = SecAggWire.toParameters(bytes);
    float[] v = p.values(SecAggWire.TENSOR).clone();
    v[2] = 1 << 24; // not a 3-byte word
    ParameterSet bad =
        ParameterSet.builder().add(SecAggWire.TENSOR, new int[] {v.length}, v).build();
    assertThatThrownBy(() -> SecAggWire.fromParameters(bad)).hasMessageContaining("2^24");
  }
}
