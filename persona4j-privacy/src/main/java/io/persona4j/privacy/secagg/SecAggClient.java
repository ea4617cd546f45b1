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
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.secagg.SecAggRejection.Reason;
import io.persona4j.privacy.sharing.PrimeField;
import io.persona4j.privacy.sharing.Shamir;
import io.persona4j.privacy.sharing.Share;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One client of a secure-aggregation round (Bonawitz et al., CCS 2017, semi-honest variant without
 * the consistency-check round and without signatures; SecAgg+ of Bell et al. 2020 when the
 * configured {@link CommunicationGraph} is sparse: keys, masks and shares then involve only
 * neighbours). Single use: each method is legal in exactly one {@link Stage} and moves the client
 * to the next; any other call is rejected.
 *
 * <p>The client's input {@code x} is sent as {@code y = enc(x) + PRG(b) + sum_{v in U2 adjacent to
 * u} sign(u, v) PRG(s_uv) mod M}, where {@code b} is a fresh self-mask seed, {@code s_uv} the
 * X25519 agreement of the masking keys, and {@code sign(u, v) = +1} if {@code u < v}, else {@code
 * -1}.
 */
public final class SecAggClient {
  private final SecAggConfig config;
  private final int id;
  private final SecureRandom secureRandom;
  private final RandomSource random;
  private Stage stage = Stage.ADVERTISE_KEYS;

  private KeyPair encryptionKeys;
  private KeyPair maskingKeys;
  private KeyDirectory directory;
  private byte[] selfMaskSeed;
  private Share ownMaskingKeyShare;
  private Share ownSelfMaskShare;
  private Map<Integer, SharePayload> received;
  private final Map<Integer, byte[]> encryptionKeyCache = new HashMap<>();

  /** A client with {@link RandomSource#secure()}. */
  public SecAggClient(SecAggConfig config, int id) {
    this(config, id, RandomSource.secure());
  }

  /**
   * @param config the round configuration
   * @param id this client's id in 1..n
   * @param random source of the self-mask seed and of the Shamir coefficients
   */
  public SecAggClient(SecAggConfig config, int id, RandomSource random) {
    if (!config.isClient(id)) {
      throw new IllegalArgumentException("id must be in [1, " + config.clients() + "], got " + id);
    }
    this.config = config;
    this.id = id;
    this.random = random;
    this.secureRandom = new SecureRandom();
  }

  /** This client's id. */
  public int id() {
    return id;
  }

  /** The current stage. */
  public Stage stage() {
    return stage;
  }

  private void require(Stage expected) {
    if (stage != expected) {
      throw new SecAggRejection(
          Reason.WRONG_STAGE, "client " + id + " is in " + stage + ", not " + expected);
    }
  }

  private SecAggRejection abort(String why) {
    stage = Stage.ABORTED;
    return new SecAggRejection(Reason.INVALID, "client " + id + " aborts: " + why);
  }

  /** Round 0: generates and advertises two X25519 key pairs. */
  public AdvertiseKeys advertiseKeys() {
    require(Stage.ADVERTISE_KEYS);
    encryptionKeys = SecAggCrypto.generateKeyPair(secureRandom);
    maskingKeys = SecAggCrypto.generateKeyPair(secureRandom);
    stage = Stage.SHARE_KEYS;
    return new AdvertiseKeys(
        id, encryptionKeys.getPublic().getEncoded(), maskingKeys.getPublic().getEncoded());
  }

  /**
   * Round 1: draws the self-mask seed, Shamir-shares it and the masking secret key among U1 (the
   * directory), and encrypts each other client's shares under the agreed encryption key.
   */
  public ShareKeys shareKeys(KeyDirectory keys) {
    require(Stage.SHARE_KEYS);
    if (keys.keys().size() < config.threshold()) {
      throw abort("key directory has " + keys.keys().size() + " < threshold " + config.threshold());
    }
    AdvertiseKeys mine = keys.keys().get(id);
    if (mine == null
        || !Arrays.equals(mine.maskingPublicKey(), maskingKeys.getPublic().getEncoded())
        || !Arrays.equals(mine.encryptionPublicKey(), encryptionKeys.getPublic().getEncoded())) {
      throw abort("key directory does not contain this client's own keys");
    }
    for (int v : keys.keys().keySet()) {
      if (!config.isClient(v)) {
        throw abort("key directory names unknown client " + v);
      }
    }
    TreeSet<Integer> recipients = new TreeSet<>(keys.keys().keySet());
    recipients.retainAll(config.graph().neighbors(id));
    if (recipients.size() + 1 < config.threshold()) {
      throw abort(
          "only "
              + (recipients.size() + 1)
              + " of its neighbourhood advertised keys, threshold "
              + config.threshold());
    }
    directory = keys;
    selfMaskSeed = new byte[SecAggCrypto.SECRET_BYTES];
    random.nextBytes(selfMaskSeed);
    Shamir shamir =
        new Shamir(PrimeField.MERSENNE_61, config.clients(), config.threshold(), random);
    Share[] keyShares = shamir.splitBytes(SecAggCrypto.privateScalar(maskingKeys.getPrivate()));
    Share[] seedShares = shamir.splitBytes(selfMaskSeed);
    ownMaskingKeyShare = keyShares[id - 1];
    ownSelfMaskShare = seedShares[id - 1];
    Map<Integer, byte[]> out = new TreeMap<>();
    for (int v : recipients) {
      byte[] key = encryptionKey(keys.keys().get(v));
      SharePayload p = new SharePayload(id, v, keyShares[v - 1], seedShares[v - 1]);
      out.put(v, SecAggCrypto.seal(key, p.encode(), SharePayload.aad(id, v), secureRandom));
    }
    stage = Stage.MASKED_INPUT;
    return new ShareKeys(id, out);
  }

  private byte[] encryptionKey(AdvertiseKeys other) {
    byte[] cached = encryptionKeyCache.get(other.clientId());
    if (cached != null) {
      return cached;
    }
    try {
      PublicKey pk = SecAggCrypto.decodePublicKey(other.encryptionPublicKey());
      byte[] key = SecAggCrypto.agree(encryptionKeys.getPrivate(), pk, "share-encryption");
      encryptionKeyCache.put(other.clientId(), key);
      return key;
    } catch (GeneralSecurityException e) {
      throw abort("bad encryption key of client " + other.clientId() + ": " + e.getMessage());
    }
  }

  /**
   * Round 2: decrypts the shares received from U2 (the senders in the delivery) and sends the
   * masked encoding of {@code input}.
   */
  public MaskedInput maskedInput(ShareDelivery delivery, float[] input) {
    require(Stage.MASKED_INPUT);
    if (delivery.recipient() != id) {
      throw new SecAggRejection(
          Reason.INVALID, "delivery for client " + delivery.recipient() + " sent to " + id);
    }
    if (input.length != config.vectorLength()) {
      throw new SecAggRejection(
          Reason.WRONG_SIZE,
          "input length " + input.length + ", expected " + config.vectorLength());
    }
    if (delivery.ciphertextsBySender().size() + 1 < config.threshold()) {
      throw abort(
          "only "
              + (delivery.ciphertextsBySender().size() + 1)
              + " clients shared keys, threshold "
              + config.threshold());
    }
    Map<Integer, SharePayload> got = new HashMap<>();
    for (var e : delivery.ciphertextsBySender().entrySet()) {
      int u = e.getKey();
      AdvertiseKeys keys = directory.keys().get(u);
      if (u == id || keys == null || !config.graph().adjacent(id, u)) {
        throw abort("shares from client " + u + " who is not a neighbour in the key directory");
      }
      SharePayload p;
      try {
        byte[] plain =
            SecAggCrypto.open(encryptionKey(keys), e.getValue(), SharePayload.aad(u, id));
        p = SharePayload.decode(plain);
      } catch (GeneralSecurityException | IllegalArgumentException ex) {
        throw abort("cannot decrypt shares from client " + u + ": " + ex.getMessage());
      }
      if (p.sender() != u || p.recipient() != id) {
        throw abort("share payload from " + u + " claims " + p.sender() + " -> " + p.recipient());
      }
      got.put(u, p);
    }
    received = got;
    FixedPoint fp = config.fixedPoint();
    long m = config.modulus();
    long[] y = fp.encode(input);
    fp.addInto(y, SecAggCrypto.expand(selfMaskSeed, y.length, m));
    for (int v : got.keySet()) {
      long[] mask = SecAggCrypto.expand(maskingSeed(v), y.length, m);
      if (id < v) {
        fp.addInto(y, mask);
      } else {
        fp.subtractInto(y, mask);
      }
    }
    stage = Stage.UNMASKING;
    return new MaskedInput(id, y);
  }

  private byte[] maskingSeed(int v) {
    try {
      PublicKey pk = SecAggCrypto.decodePublicKey(directory.keys().get(v).maskingPublicKey());
      return SecAggCrypto.agree(maskingKeys.getPrivate(), pk, "pairwise-mask");
    } catch (GeneralSecurityException e) {
      throw abort("bad masking key of client " + v + ": " + e.getMessage());
    }
  }

  /**
   * Round 4: given U3, reveals self-mask seed shares of survivors and masking-key shares of clients
   * in U2 that did not send an input. Aborts if U3 is below threshold or not a subset of U2.
   */
  public UnmaskShares unmask(SurvivorList survivors) {
    require(Stage.UNMASKING);
    var u3 = new TreeSet<>(survivors.maskedInputSenders());
    if (u3.size() < config.threshold()) {
      throw abort("only " + u3.size() + " inputs, threshold " + config.threshold());
    }
    if (!u3.contains(id)) {
      throw abort("survivor list omits this client, which sent its input");
    }
    var u2 = new TreeSet<>(received.keySet());
    u2.add(id);
    for (int w : u3) {
      if ((w == id || config.graph().adjacent(id, w)) && !u2.contains(w)) {
        throw abort("survivor " + w + " never sent this client its shares");
      }
    }
    Map<Integer, Share> seedShares = new TreeMap<>();
    Map<Integer, Share> keyShares = new TreeMap<>();
    for (int u : u2) {
      boolean self = u == id;
      if (u3.contains(u)) {
        seedShares.put(u, self ? ownSelfMaskShare : received.get(u).selfMaskSeedShare());
      } else {
        keyShares.put(u, self ? ownMaskingKeyShare : received.get(u).maskingKeyShare());
      }
    }
    stage = Stage.DONE;
    return new UnmaskShares(id, seedShares, keyShares);
  }
}
