/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * JDK cryptography for secure aggregation: X25519 key agreement, SHA-256 key derivation, AES-GCM
 * for share transport and an AES-256-CTR pseudorandom generator expanded to residues modulo M.
 */
final class SecAggCrypto {
  /** Length of an X.509-encoded X25519 public key. */
  static final int PUBLIC_KEY_BYTES = 44;

  /** Length of a raw X25519 private scalar, and of a self-mask seed. */
  static final int SECRET_BYTES = 32;

  static final int GCM_NONCE_BYTES = 12;
  static final int GCM_TAG_BYTES = 16;

  private SecAggCrypto() {}

  static KeyPair generateKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
      g.initialize(NamedParameterSpec.X25519, random);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 unavailable", e);
    }
  }

  static PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    if (encoded.length != PUBLIC_KEY_BYTES) {
      throw new GeneralSecurityException(
          "public key has " + encoded.length + " bytes, expected " + PUBLIC_KEY_BYTES);
    }
    return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(encoded));
  }

  static byte[] privateScalar(PrivateKey key) {
    byte[] s =
        ((XECPrivateKey) key)
            .getScalar()
            .orElseThrow(() -> new IllegalStateException("X25519 private key has no scalar"));
    if (s.length != SECRET_BYTES) {
      throw new IllegalStateException("X25519 scalar has " + s.length + " bytes");
    }
    return s;
  }

  static PrivateKey privateKeyFromScalar(byte[] scalar) {
    try {
      return KeyFactory.getInstance("X25519")
          .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot rebuild X25519 private key", e);
    }
  }

  /** SHA-256(label || 0 || X25519(priv, pub)): a 32-byte key bound to its purpose. */
  static byte[] agree(PrivateKey mine, PublicKey theirs, String label) {
    try {
      KeyAgreement ka = KeyAgreement.getInstance("X25519");
      ka.init(mine);
      ka.doPhase(theirs, true);
      byte[] shared = ka.generateSecret();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(("persona4j-secagg-v1/" + label).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      return sha.digest(shared);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 key agreement failed", e);
    }
  }

  static byte[] seal(byte[] key, byte[] plaintext, byte[] aad, SecureRandom random) {
    try {
      byte[] nonce = new byte[GCM_NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(8 * GCM_TAG_BYTES, nonce));
      c.updateAAD(aad);
      byte[] ct = c.doFinal(plaintext);
      return ByteBuffer.allocate(nonce.length + ct.length).put(nonce).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  static byte[] open(byte[] key, byte[] sealed, byte[] aad) throws GeneralSecurityException {
    if (sealed.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) {
      throw new GeneralSecurityException("ciphertext too short: " + sealed.length);
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(key, "AES"),
        new GCMParameterSpec(8 * GCM_TAG_BYTES, sealed, 0, GCM_NONCE_BYTES));
    c.updateAAD(aad);
    return c.doFinal(sealed, GCM_NONCE_BYTES, sealed.length - GCM_NONCE_BYTES);
  }

  /**
   * Expands a 32-byte seed with AES-256-CTR (zero IV, fresh key per seed) into {@code length}
   * uniform residues modulo {@code modulus}: 64-bit words masked to the bit length of {@code
   * modulus - 1}, rejected when out of range (exact for powers of two).
   */
  static long[] expand(byte[] seed, int length, long modulus) {
    try {
      Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
      c.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(new byte[16]));
      long mask = -1L >>> Long.numberOfLeadingZeros(Math.max(1, modulus - 1));
      long[] out = new long[length];
      byte[] block = new byte[8 * Math.max(length, 16)];
      ByteBuffer buf = ByteBuffer.wrap(c.update(block));
      int i = 0;
      while (i < length) {
        if (!buf.hasRemaining()) {
          buf = ByteBuffer.wrap(c.update(block));
        }
        long r = buf.getLong() & mask;
        if (r < modulus) {
          out[i++] = r;
        }
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable", e);
    }
  }
}
