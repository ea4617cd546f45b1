/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.Messages.AdvertiseKeys;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Messages.Result;
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.secagg.SecAggRejection.Reason;
import io.persona4j.privacy.sharing.PrimeField;
import io.persona4j.privacy.sharing.Shamir;
import io.persona4j.privacy.sharing.Share;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server of one secure-aggregation round, an explicit state machine over {@link Stage}. In each
 * stage it accepts one message per eligible client through {@code receive}, rejecting (with a
 * {@link SecAggRejection} and no state change) messages of another stage, from unknown or
 * ineligible clients, duplicates and wrongly sized content. {@code close*} ends a stage; if fewer
 * than the threshold of clients responded, the round moves to {@link Stage#ABORTED} and a {@link
 * SecAggAbortedException} says which stage, how many responded and the threshold.
 *
 * <p>With a sparse {@link CommunicationGraph} (SecAgg+) shares and masks involve only neighbours,
 * and unmasking also aborts if any needed secret has fewer than t shares among the responders.
 *
 * <p>Unmasking: the self masks of survivors (U3) are rebuilt from their reconstructed seeds; for
 * every client in U2 that sent no input its masking key is reconstructed and the pairwise masks it
 * shared with each survivor are removed.
 */
public final class SecAggServer {
  private final SecAggConfig config;
  private Stage stage = Stage.ADVERTISE_KEYS;
  private String abortReason;

  private final SortedMap<Integer, AdvertiseKeys> advertised = new TreeMap<>();
  private final SortedMap<Integer, ShareKeys> shareKeys = new TreeMap<>();
  private final SortedMap<Integer, long[]> maskedInputs = new TreeMap<>();
  private final SortedMap<Integer, UnmaskShares> unmaskShares = new TreeMap<>();
  private Result result;

  /** A server for one round. */
  public SecAggServer(SecAggConfig config) {
    this.config = config;
  }

  /** The current stage. */
  public Stage stage() {
    return stage;
  }

  /** Why the round aborted, or null. */
  public String abortReason() {
    return abortReason;
  }

  /** The result once {@link Stage#DONE}. */
  public Result result() {
    if (stage != Stage.DONE) {
      throw new IllegalStateException("no result in stage " + stage);
    }
    return result;
  }

  private void checkSender(Stage expected, int sender, Set<Integer> eligible, Set<Integer> got) {
    if (stage != expected) {
      throw new SecAggRejection(
          Reason.WRONG_STAGE,
          expected + " message from client " + sender + " while the server is in " + stage);
    }
    if (!config.isClient(sender)) {
      throw new SecAggRejection(
          Reason.UNKNOWN_CLIENT, "client " + sender + " is not in [1, " + config.clients() + "]");
    }
    if (eligible != null && !eligible.contains(sender)) {
      throw new SecAggRejection(
          Reason.UNKNOWN_CLIENT,
          "client " + sender + " did not survive the previous stage (survivors " + eligible + ")");
    }
    if (got.contains(sender)) {
      throw new SecAggRejection(
          Reason.DUPLICATE, "client " + sender + " already sent its " + expected + " message");
    }
  }

  private void closeStage(Stage current, int responded, Stage next) {
    if (stage != current) {
      throw new SecAggRejection(
          Reason.WRONG_STAGE, "cannot close " + current + " while in " + stage);
    }
    if (responded < config.threshold()) {
      stage = Stage.ABORTED;
      abortReason =
          "aborted in "
              + current
              + ": "
              + responded
              + " of "
              + config.clients()
              + " clients responded, threshold is "
              + config.threshold();
      throw new SecAggAbortedException(abortReason);
    }
    stage = next;
  }

  /** Accepts a round-0 message. */
  public void receive(AdvertiseKeys m) {
    checkSender(Stage.ADVERTISE_KEYS, m.clientId(), null, advertised.keySet());
    for (byte[] k : new byte[][] {m.encryptionPublicKey(), m.maskingPublicKey()}) {
      try {
        SecAggCrypto.decodePublicKey(k);
      } catch (GeneralSecurityException e) {
        throw new SecAggRejection(
            Reason.WRONG_SIZE, "client " + m.clientId() + " public key: " + e.getMessage());
      }
    }
    advertised.put(m.clientId(), m);
  }

  /** Ends round 0: U1 = the advertisers; returns the directory broadcast to them. */
  public KeyDirectory closeAdvertiseKeys() {
    closeStage(Stage.ADVERTISE_KEYS, advertised.size(), Stage.SHARE_KEYS);
    return new KeyDirectory(advertised);
  }

  /** Accepts a round-1 message: exactly one ciphertext of the right size per other client of U1. */
  public void receive(ShareKeys m) {
    checkSender(Stage.SHARE_KEYS, m.clientId(), advertised.keySet(), shareKeys.keySet());
    Set<Integer> expected = new TreeSet<>(advertised.keySet());
    expected.retainAll(config.graph().neighbors(m.clientId()));
    if (!m.ciphertexts().keySet().equals(expected)) {
      throw new SecAggRejection(
          Reason.INVALID,
          "client "
              + m.clientId()
              + " sent shares for "
              + m.ciphertexts().keySet()
              + ", expected "
              + expected);
    }
    for (var e : m.ciphertexts().entrySet()) {
      if (e.getValue().length != SharePayload.CIPHERTEXT_BYTES) {
        throw new SecAggRejection(
            Reason.WRONG_SIZE,
            "client "
                + m.clientId()
                + " ciphertext for "
                + e.getKey()
                + " has "
                + e.getValue().length
                + " bytes, expected "
                + SharePayload.CIPHERTEXT_BYTES);
      }
    }
    shareKeys.put(m.clientId(), m);
  }

  /** Ends round 1: U2 = the clients that sent shares. */
  public void closeShareKeys() {
    closeStage(Stage.SHARE_KEYS, shareKeys.size(), Stage.MASKED_INPUT);
  }

  /** The ciphertexts for {@code recipient} from every other member of U2 (after round 1). */
  public ShareDelivery deliveryFor(int recipient) {
    if (stage != Stage.MASKED_INPUT) {
      throw new SecAggRejection(Reason.WRONG_STAGE, "no share deliveries in stage " + stage);
    }
    if (!shareKeys.containsKey(recipient)) {
      throw new SecAggRejection(
          Reason.UNKNOWN_CLIENT, "client " + recipient + " is not in U2 " + shareKeys.keySet());
    }
    Map<Integer, byte[]> out = new TreeMap<>();
    for (var e : shareKeys.entrySet()) {
      if (e.getKey() != recipient && config.graph().adjacent(e.getKey(), recipient)) {
        out.put(e.getKey(), e.getValue().ciphertexts().get(recipient));
      }
    }
    return new ShareDelivery(recipient, out);
  }

  /** Accepts a round-2 message: a vector of the configured length with residues in [0, M). */
  public void receive(MaskedInput m) {
    checkSender(Stage.MASKED_INPUT, m.clientId(), shareKeys.keySet(), maskedInputs.keySet());
    long[] y = m.maskedInput();
    if (y.length != config.vectorLength()) {
      throw new SecAggRejection(
          Reason.WRONG_SIZE,
          "client "
              + m.clientId()
              + " masked input has length "
              + y.length
              + ", expected "
              + config.vectorLength());
    }
    for (int i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] >= config.modulus()) {
        throw new SecAggRejection(
            Reason.WRONG_SIZE,
            "client " + m.clientId() + " masked input[" + i + "] = " + y[i] + " outside [0, M)");
      }
    }
    maskedInputs.put(m.clientId(), y);
  }

  /** Ends round 2: U3 = the clients that sent inputs; returns the list broadcast to them. */
  public SurvivorList closeMaskedInput() {
    closeStage(Stage.MASKED_INPUT, maskedInputs.size(), Stage.UNMASKING);
    return new SurvivorList(maskedInputs.keySet());
  }

  /**
   * Accepts a round-4 message: seed shares for exactly U3 and key shares for exactly U2 \ U3, each
   * evaluated at the sender's point.
   */
  public void receive(UnmaskShares m) {
    checkSender(Stage.UNMASKING, m.clientId(), maskedInputs.keySet(), unmaskShares.keySet());
    Set<Integer> neighborhood = new TreeSet<>(config.graph().neighbors(m.clientId()));
    neighborhood.add(m.clientId());
    neighborhood.retainAll(shareKeys.keySet());
    Set<Integer> survived = new TreeSet<>(neighborhood);
    survived.retainAll(maskedInputs.keySet());
    Set<Integer> dropped = new TreeSet<>(neighborhood);
    dropped.removeAll(maskedInputs.keySet());
    if (!m.selfMaskSeedShares().keySet().equals(survived)
        || !m.maskingKeyShares().keySet().equals(dropped)) {
      throw new SecAggRejection(
          Reason.INVALID,
          "client "
              + m.clientId()
              + " revealed seed shares for "
              + m.selfMaskSeedShares().keySet()
              + " and key shares for "
              + m.maskingKeyShares().keySet()
              + ", expected "
              + survived
              + " and "
              + dropped);
    }
    for (Map<Integer, Share> shares : List.of(m.selfMaskSeedShares(), m.maskingKeyShares())) {
      for (var e : shares.entrySet()) {
        Share s = e.getValue();
        if (s.x() != m.clientId() || s.y().length != SharePayload.ELEMENTS) {
          throw new SecAggRejection(
              Reason.WRONG_SIZE,
              "client "
                  + m.clientId()
                  + " share for "
                  + e.getKey()
                  + " has x="
                  + s.x()
                  + " and "
                  + s.y().length
                  + " values, expected x="
                  + m.clientId()
                  + " and "
                  + SharePayload.ELEMENTS);
        }
      }
    }
    unmaskShares.put(m.clientId(), m);
  }

  /** Ends round 4: reconstructs the masks and returns the sum of U3's inputs. */
  public Result closeUnmasking() {
    closeStage(Stage.UNMASKING, unmaskShares.size(), Stage.UNMASKING);
    Map<Integer, List<Share>> seedShares = new TreeMap<>();
    Map<Integer, List<Share>> keyShares = new TreeMap<>();
    for (UnmaskShares s : unmaskShares.values()) {
      s.selfMaskSeedShares()
          .forEach((u, sh) -> seedShares.computeIfAbsent(u, k -> new ArrayList<>()).add(sh));
      s.maskingKeyShares()
          .forEach((u, sh) -> keyShares.computeIfAbsent(u, k -> new ArrayList<>()).add(sh));
    }
    List<Integer> droppedWithMasks = new ArrayList<>();
    for (int u : shareKeys.keySet()) {
      if (!maskedInputs.containsKey(u)) {
        Set<Integer> partners = new TreeSet<>(config.graph().neighbors(u));
        partners.retainAll(maskedInputs.keySet());
        if (!partners.isEmpty()) {
          droppedWithMasks.add(u);
        }
      }
    }
    for (int u : maskedInputs.keySet()) {
      requireShares(u, seedShares.get(u), "self-mask seed");
    }
    for (int u : droppedWithMasks) {
      requireShares(u, keyShares.get(u), "masking key");
    }
    FixedPoint fp = config.fixedPoint();
    long m = config.modulus();
    int len = config.vectorLength();
    Shamir shamir =
        new Shamir(
            PrimeField.MERSENNE_61, config.clients(), config.threshold(), RandomSource.secure());
    long[] sum = new long[len];
    for (long[] y : maskedInputs.values()) {
      fp.addInto(sum, y);
    }
    for (int u : maskedInputs.keySet()) {
      byte[] seed = shamir.reconstructBytes(seedShares.get(u), SecAggCrypto.SECRET_BYTES);
      fp.subtractInto(sum, SecAggCrypto.expand(seed, len, m));
    }
    for (int u : droppedWithMasks) {
      PrivateKey key =
          SecAggCrypto.privateKeyFromScalar(
              shamir.reconstructBytes(keyShares.get(u), SecAggCrypto.SECRET_BYTES));
      for (int v : config.graph().neighbors(u)) {
        if (!maskedInputs.containsKey(v)) {
          continue;
        }
        PublicKey pk;
        try {
          pk = SecAggCrypto.decodePublicKey(advertised.get(v).maskingPublicKey());
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("validated key failed to decode", e);
        }
        long[] mask = SecAggCrypto.expand(SecAggCrypto.agree(key, pk, "pairwise-mask"), len, m);
        // Survivor v added sign(v, u) * mask: + if v < u.
        if (v < u) {
          fp.subtractInto(sum, mask);
        } else {
          fp.addInto(sum, mask);
        }
      }
    }
    result =
        new Result(
            sum, fp.decodeSum(sum, maskedInputs.size()), new ArrayList<>(maskedInputs.keySet()));
    stage = Stage.DONE;
    return result;
  }

  private void requireShares(int u, List<Share> shares, String what) {
    int have = shares == null ? 0 : shares.size();
    if (have < config.threshold()) {
      stage = Stage.ABORTED;
      abortReason =
          "aborted in UNMASKING: "
              + have
              + " shares of the "
              + what
              + " of client "
              + u
              + ", threshold is "
              + config.threshold();
      throw new SecAggAbortedException(abortReason);
    }
  }
}
