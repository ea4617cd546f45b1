/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.persona4j.federated.ParameterSet;

/**
 * Coverage-guided fuzzing of the secure-aggregation wire decoders: any bytes as each of the seven
 * protocol messages, any float tensor as a client's packed reply ({@link
 * SecAggWire#fromParameters}) and any string as a server message in the instruction config ({@link
 * SecAggWire#fromConfig}). Only {@link IllegalArgumentException} (a malformed message) may come
 * out.
 */
class SecAggWireFuzzTest {

  @FuzzTest(maxDuration = "120s")
  void anyMessageDecodesOrIsRejected(FuzzedDataProvider d) {
    try {
      switch (d.consumeInt(0, 9)) {
        case 0 -> SecAggWire.decodeAdvertiseKeys(d.consumeRemainingAsBytes());
        case 1 -> SecAggWire.decodeKeyDirectory(d.consumeRemainingAsBytes());
        case 2 -> SecAggWire.decodeShareKeys(d.consumeRemainingAsBytes());
        case 3 -> SecAggWire.decodeShareDelivery(d.consumeRemainingAsBytes());
        case 4 -> SecAggWire.decodeMaskedInput(d.consumeRemainingAsBytes());
        case 5 -> SecAggWire.decodeSurvivorList(d.consumeRemainingAsBytes());
        case 6 -> SecAggWire.decodeUnmaskShares(d.consumeRemainingAsBytes());
        case 7 -> SecAggWire.fromConfig(d.consumeRemainingAsString());
        default -> {
          int n = d.consumeInt(1, 64);
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = d.consumeBoolean() ? d.consumeInt(0, 1 << 24) : d.consumeFloat();
          }
          String name = d.consumeBoolean() ? "secagg_message" : d.consumeString(4);
          ParameterSet p;
          try {
            p = ParameterSet.builder().add(name, new int[] {n}, v).build();
          } catch (IllegalArgumentException bad) {
            return;
          }
          byte[] b = SecAggWire.fromParameters(p);
          if (!java.util.Arrays.equals(SecAggWire.fromParameters(SecAggWire.toParameters(b)), b)) {
            throw new IllegalStateException("packing does not round-trip");
          }
        }
      }
    } catch (IllegalArgumentException expected) {
      // malformed: rejected with a message
    }
  }
}
