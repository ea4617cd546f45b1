/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.AdvertiseKeys;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.secagg.SecAggRejection.Reason;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class SecAggRejectionTest {
  private final SecAggConfig config = new SecAggConfig(4, 3, 3, new FixedPoint(1.0, 100, 1L << 20));

  private static void rejected(ThrowingCallable call, Reason reason, String fragment) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            SecAggRejection.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(fragment);
  }

  @Test
  void serverRejectsBadMessagesAtEveryStageAndStillProducesTheExactSum() {
    SecAggServer server = new SecAggServer(config);
    SecAggClient[] c = new SecAggClient[5];
    for (int i = 1; i <= 4; i++) {
      c[i] = new SecAggClient(config, i, RandomSource.deterministicForTesting(i));
    }
    float[][] x = {null, {0.5f, -0.25f, 1f}, {-1f, 0.01f, 0.3f}, {0.2f, 0.2f, -0.7f}, {1, 1, 1}};

    // --- ADVERTISE_KEYS (client 4 stays silent) ---
    rejected(
        () -> server.receive(new MaskedInput(1, new long[3])),
        Reason.WRONG_STAGE,
        "ADVERTISE_KEYS");
    AdvertiseKeys a1 = c[1].advertiseKeys();
    server.receive(a1);
    rejected(() -> server.receive(a1), Reason.DUPLICATE, "client 1 already");
    rejected(
        () -> server.receive(new AdvertiseKeys(5, a1.encryptionPublicKey(), a1.maskingPublicKey())),
        Reason.UNKNOWN_CLIENT,
        "client 5");
    rejected(
        () -> server.receive(new AdvertiseKeys(0, a1.encryptionPublicKey(), a1.maskingPublicKey())),
        Reason.UNKNOWN_CLIENT,
        "client 0");
    AdvertiseKeys a2 = c[2].advertiseKeys();
    rejected(
        () ->
            server.receive(
                new AdvertiseKeys(
                    2, Arrays.copyOf(a2.encryptionPublicKey(), 43), a2.maskingPublicKey())),
        Reason.WRONG_SIZE,
        "43 bytes");
    server.receive(a2);
    server.receive(c[3].advertiseKeys());
    rejected(() -> c[1].advertiseKeys(), Reason.WRONG_STAGE, "client 1 is in SHARE_KEYS");
    KeyDirectory dir = server.closeAdvertiseKeys();
    assertThat(dir.keys().keySet()).containsExactly(1, 2, 3);

    // --- SHARE_KEYS ---
    ShareKeys s1 = c[1].shareKeys(dir);
    rejected(
        () -> server.receive(new ShareKeys(4, s1.ciphertexts())),
        Reason.UNKNOWN_CLIENT,
        "did not survive");
    Map<Integer, byte[]> missing = new TreeMap<>(s1.ciphertexts());
    missing.remove(3);
    rejected(() -> server.receive(new ShareKeys(1, missing)), Reason.INVALID, "expected [2, 3]");
    Map<Integer, byte[]> shortCt = new TreeMap<>(s1.ciphertexts());
    shortCt.put(2, Arrays.copyOf(shortCt.get(2), 100));
    rejected(() -> server.receive(new ShareKeys(1, shortCt)), Reason.WRONG_SIZE, "100 bytes");
    server.receive(s1);
    rejected(() -> server.receive(s1), Reason.DUPLICATE, "already");
    server.receive(c[2].shareKeys(dir));
    server.receive(c[3].shareKeys(dir));
    rejected(() -> server.deliveryFor(4), Reason.WRONG_STAGE, "SHARE_KEYS");
    server.closeShareKeys();
    rejected(() -> server.closeShareKeys(), Reason.WRONG_STAGE, "cannot close");

    // --- MASKED_INPUT ---
    rejected(() -> server.deliveryFor(4), Reason.UNKNOWN_CLIENT, "not in U2");
    rejected(
        () -> c[1].maskedInput(server.deliveryFor(2), x[1]),
        Reason.INVALID,
        "delivery for client 2");
    rejected(
        () -> c[1].maskedInput(server.deliveryFor(1), new float[2]), Reason.WRONG_SIZE, "length 2");
    MaskedInput m1 = c[1].maskedInput(server.deliveryFor(1), x[1]);
    rejected(() -> server.receive(new MaskedInput(1, new long[4])), Reason.WRONG_SIZE, "length 4");
    rejected(
        () -> server.receive(new MaskedInput(1, new long[] {0, 1L << 20, 0})),
        Reason.WRONG_SIZE,
        "outside [0, M)");
    rejected(() -> server.receive(new MaskedInput(4, new long[3])), Reason.UNKNOWN_CLIENT, "4");
    server.receive(m1);
    rejected(() -> server.receive(m1), Reason.DUPLICATE, "already");
    server.receive(c[2].maskedInput(server.deliveryFor(2), x[2]));
    server.receive(c[3].maskedInput(server.deliveryFor(3), x[3]));
    SurvivorList survivors = server.closeMaskedInput();

    // --- UNMASKING ---
    UnmaskShares u1 = c[1].unmask(survivors);
    assertThat(u1.maskingKeyShares()).isEmpty(); // nobody in U2 dropped: no key is revealed
    rejected(
        () -> server.receive(new UnmaskShares(1, Map.of(), u1.selfMaskSeedShares())),
        Reason.INVALID,
        "expected [1, 2, 3] and []");
    var wrongX = new HashMap<>(u1.selfMaskSeedShares());
    wrongX.put(2, new io.persona4j.privacy.sharing.Share(2, wrongX.get(2).y()));
    rejected(() -> server.receive(new UnmaskShares(1, wrongX, Map.of())), Reason.WRONG_SIZE, "x=2");
    server.receive(u1);
    rejected(() -> server.receive(u1), Reason.DUPLICATE, "already");
    server.receive(c[2].unmask(survivors));
    server.receive(c[3].unmask(survivors));
    var result = server.closeUnmasking();
    assertThat(server.stage()).isEqualTo(Stage.DONE);

    long[] expected = new long[3];
    for (int i = 1; i <= 3; i++) {
      config.fixedPoint().addInto(expected, config.fixedPoint().encode(x[i]));
    }
    assertThat(result.encodedSum()).containsExactly(expected);
    assertThat(result.sum()[0]).isEqualTo((50 - 100 + 20) / 100.0);
  }

  @Test
  void clientRejectsOutOfOrderCallsAndTamperedShares() {
    SecAggServer server = new SecAggServer(config);
    SecAggClient[] c = new SecAggClient[5];
    for (int i = 1; i <= 4; i++) {
      c[i] = new SecAggClient(config, i);
    }
    rejected(
        () -> c[1].maskedInput(new ShareDelivery(1, Map.of()), new float[3]),
        Reason.WRONG_STAGE,
        "client 1 is in ADVERTISE_KEYS");
    for (int i = 1; i <= 4; i++) {
      server.receive(c[i].advertiseKeys());
    }
    KeyDirectory dir = server.closeAdvertiseKeys();
    var partial = new TreeMap<>(dir.keys());
    partial.remove(2);
    partial.remove(3);
    rejected(() -> c[4].shareKeys(new KeyDirectory(partial)), Reason.INVALID, "< threshold 3");
    assertThat(c[4].stage()).isEqualTo(Stage.ABORTED);
    for (int i = 1; i <= 3; i++) {
      server.receive(c[i].shareKeys(dir));
    }
    server.closeShareKeys();
    ShareDelivery d = server.deliveryFor(1);
    Map<Integer, byte[]> tampered = new TreeMap<>(d.ciphertextsBySender());
    byte[] ct = tampered.get(2).clone();
    ct[20] ^= 1;
    tampered.put(2, ct);
    rejected(
        () -> c[1].maskedInput(new ShareDelivery(1, tampered), new float[3]),
        Reason.INVALID,
        "cannot decrypt shares from client 2");
    assertThat(c[1].stage()).isEqualTo(Stage.ABORTED);
    server.receive(c[2].maskedInput(server.deliveryFor(2), new float[3]));
    server.receive(c[3].maskedInput(server.deliveryFor(3), new float[3]));
    assertThatThrownBy(server::closeMaskedInput)
        .isInstanceOf(SecAggAbortedException.class)
        .hasMessage("aborted in MASKED_INPUT: 2 of 4 clients responded, threshold is 3");
    rejected(
        () -> c[2].unmask(new SurvivorList(java.util.Set.of(2, 3))), Reason.INVALID, "threshold 3");
  }

  @Test
  void configValidationNamesTheField() {
    FixedPoint fp = new FixedPoint(1, 100, 1L << 20);
    assertThatThrownBy(() -> new SecAggConfig(4, 2, 3, fp)).hasMessageContaining("threshold");
    assertThatThrownBy(() -> new SecAggConfig(1, 1, 3, fp)).hasMessageContaining("clients");
    assertThatThrownBy(() -> new SecAggConfig(4, 3, 0, fp)).hasMessageContaining("vectorLength");
    assertThatThrownBy(() -> new SecAggConfig(4, 3, 3, new FixedPoint(1, 100, 600)))
        .hasMessageContaining("fewer than clients=4");
    assertThatThrownBy(() -> new SecAggClient(config, 5)).hasMessageContaining("id");
  }
}
