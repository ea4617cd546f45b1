/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import io.persona4j.privacy.sharing.Share;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The messages of a secure-aggregation round: one client message per stage, and server replies. */
public final class Messages {
  private Messages() {}

  /** Round 0, client to server: X25519 public keys (X.509 encoded) for encryption and masking. */
  public record AdvertiseKeys(int clientId, byte[] encryptionPublicKey, byte[] maskingPublicKey) {
    /** Copies the keys. */
    public AdvertiseKeys {
      encryptionPublicKey = encryptionPublicKey.clone();
      maskingPublicKey = maskingPublicKey.clone();
    }

    @Override
    public byte[] encryptionPublicKey() {
      return encryptionPublicKey.clone();
    }

    @Override
    public byte[] maskingPublicKey() {
      return maskingPublicKey.clone();
    }
  }

  /** Server to clients after round 0: the keys of every client that advertised (U1). */
  public record KeyDirectory(Map<Integer, AdvertiseKeys> keys) {
    /** Copies into an ordered map. */
    public KeyDirectory {
      keys = Collections.unmodifiableSortedMap(new TreeMap<>(keys));
    }
  }

  /** Round 1, client to server: one AES-GCM ciphertext of shares per other client in U1. */
  public record ShareKeys(int clientId, Map<Integer, byte[]> ciphertexts) {
    /** Copies into an ordered map. */
    public ShareKeys {
      ciphertexts = Collections.unmodifiableSortedMap(new TreeMap<>(ciphertexts));
    }
  }

  /**
   * Server to one client after round 1: the ciphertexts addressed to it, by sender (U2 minus it).
   */
  public record ShareDelivery(int recipient, Map<Integer, byte[]> ciphertextsBySender) {
    /** Copies into an ordered map. */
    public ShareDelivery {
      ciphertextsBySender = Collections.unmodifiableSortedMap(new TreeMap<>(ciphertextsBySender));
    }
  }

  /** Round 2, client to server: the masked fixed-point input, residues modulo M. */
  public record MaskedInput(int clientId, long[] maskedInput) {
    /** Copies the vector. */
    public MaskedInput {
      maskedInput = maskedInput.clone();
    }

    @Override
    public long[] maskedInput() {
      return maskedInput.clone();
    }
  }

  /** Server to clients after round 2: who sent masked inputs (U3). */
  public record SurvivorList(Set<Integer> maskedInputSenders) {
    /** Copies into an ordered set. */
    public SurvivorList {
      maskedInputSenders = Collections.unmodifiableSortedSet(new TreeSet<>(maskedInputSenders));
    }
  }

  /**
   * Round 4, client to server: shares of the self-mask seed of every survivor in U3 and of the
   * masking secret key of every client in U2 that dropped before sending its input. Never both for
   * the same client.
   */
  public record UnmaskShares(
      int clientId, Map<Integer, Share> selfMaskSeedShares, Map<Integer, Share> maskingKeyShares) {
    /** Copies into ordered maps. */
    public UnmaskShares {
      selfMaskSeedShares = Collections.unmodifiableSortedMap(new TreeMap<>(selfMaskSeedShares));
      maskingKeyShares = Collections.unmodifiableSortedMap(new TreeMap<>(maskingKeyShares));
    }
  }

  /**
   * The result: the modular sum of the encoded inputs of {@code included} clients, and its
   * decoding.
   */
  public record Result(long[] encodedSum, double[] sum, List<Integer> included) {
    /** Copies the arrays. */
    public Result {
      encodedSum = encodedSum.clone();
      sum = sum.clone();
      included = List.copyOf(included);
    }

    @Override
    public long[] encodedSum() {
      return encodedSum.clone();
    }

    @Override
    public double[] sum() {
      return sum.clone();
    }
  }
}
