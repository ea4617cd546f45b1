/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.AdvertiseKeys;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.secagg.SecAggClient;
import io.persona4j.privacy.secagg.SecAggConfig;
import io.persona4j.privacy.secagg.SecAggServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Message sizes of a real 4-client round against sizes worked out by hand. */
class SecAggSizesTest {

  @Test
  void sizesOfARealRoundMatchTheHandCount() {
    int n = 4;
    int d = 10;
    SecAggConfig cfg = new SecAggConfig(n, 3, d, new FixedPoint(1, 32767, 1L << 18));
    SecAggServer server = new SecAggServer(cfg);
    SecAggClient[] c = new SecAggClient[n + 1];
    AdvertiseKeys first = null;
    for (int i = 1; i <= n; i++) {
      c[i] = new SecAggClient(cfg, i);
      AdvertiseKeys a = c[i].advertiseKeys();
      first = i == 1 ? a : first;
      server.receive(a);
    }
    // id + two length-prefixed 44-byte X.509 X25519 keys.
    assertThat(SecAggSizes.of(first)).isEqualTo(4 + 2 * (4 + 44));
    KeyDirectory dir = server.closeAdvertiseKeys();
    assertThat(SecAggSizes.of(dir)).isEqualTo(4 + n * 100);
    ShareKeys s1 = null;
    for (int i = 1; i <= n; i++) {
      ShareKeys s = c[i].shareKeys(dir);
      s1 = i == 1 ? s : s1;
      server.receive(s);
    }
    // A ciphertext: 12-byte GCM nonce + payload (2 ids, 2 secrets x 5 field elements x 8 bytes)
    // + 16-byte tag = 116; each entry adds a recipient id and a length.
    assertThat(s1.ciphertexts().get(2)).hasSize(12 + 8 + 2 * 5 * 8 + 16);
    assertThat(SecAggSizes.of(s1)).isEqualTo(8 + 3 * (8 + 116));
    server.closeShareKeys();
    float[] x = new float[d];
    for (int i = 1; i <= n; i++) {
      ShareDelivery del = server.deliveryFor(i);
      assertThat(SecAggSizes.of(del)).isEqualTo(SecAggSizes.of(s1));
      server.receive(c[i].maskedInput(del, x));
    }
    SurvivorList list = server.closeMaskedInput();
    assertThat(SecAggSizes.of(list)).isEqualTo(4 + 4 * n);
    UnmaskShares u = c[1].unmask(list);
    // 4 seed shares and 4 key shares (itself and 3 neighbours), each: client id + x + count +
    // width byte + 5 field elements (< 2^61) packed at the width of the largest one.
    long expected = 12;
    for (var shares : List.of(u.selfMaskSeedShares(), u.maskingKeyShares())) {
      for (var share : shares.values()) {
        long max = java.util.Arrays.stream(share.y()).max().orElse(0);
        int width = 64 - Long.numberOfLeadingZeros(max);
        assertThat(width).isBetween(1, 61);
        expected += 4 + 4 + 4 + 1 + (5L * width + 7) / 8;
      }
    }
    assertThat(u.selfMaskSeedShares().size() + u.maskingKeyShares().size()).isEqualTo(4);
    assertThat(SecAggSizes.of(u)).isEqualTo(expected);
    // 10 residues of 18 bits = 180 bits = 23 bytes, plus the id.
    assertThat(SecAggSizes.maskedCompact(d, 18)).isEqualTo(4 + 23);
    // id + count + width byte + the same 23 packed bytes
    assertThat(SecAggSizes.maskedWire(d, 18)).isEqualTo(4 + 4 + 1 + 23);
    // 88 bytes -> 30 elements of 3 bytes + 2 length elements, 4 bytes each
    assertThat(SecAggSizes.wireUp(88)).isEqualTo(4 * (2 + 30));
    assertThat(SecAggSizes.wireDown(100)).isEqualTo(136);
  }
}
