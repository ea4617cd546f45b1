/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import io.persona4j.privacy.sharing.Shamir;
import io.persona4j.privacy.sharing.Share;
import java.nio.ByteBuffer;

/**
 * The plaintext one client sends another in round 1: sender, recipient, and the recipient's shares
 * of the sender's masking secret key and self-mask seed (package-private wire format).
 */
record SharePayload(int sender, int recipient, Share maskingKeyShare, Share selfMaskSeedShare) {
  /** Field elements per shared 32-byte secret. */
  static final int ELEMENTS =
      (SecAggCrypto.SECRET_BYTES + Shamir.BYTES_PER_ELEMENT - 1) / Shamir.BYTES_PER_ELEMENT;

  static final int BYTES = 8 + 2 * 8 * ELEMENTS;

  static final int CIPHERTEXT_BYTES =
      SecAggCrypto.GCM_NONCE_BYTES + BYTES + SecAggCrypto.GCM_TAG_BYTES;

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(BYTES).putInt(sender).putInt(recipient);
    for (long y : maskingKeyShare.y()) {
      b.putLong(y);
    }
    for (long y : selfMaskSeedShare.y()) {
      b.putLong(y);
    }
    return b.array();
  }

  static SharePayload decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("share payload has " + bytes.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int sender = b.getInt();
    int recipient = b.getInt();
    long[] s = new long[ELEMENTS];
    long[] m = new long[ELEMENTS];
    for (int i = 0; i < ELEMENTS; i++) {
      s[i] = b.getLong();
    }
    for (int i = 0; i < ELEMENTS; i++) {
      m[i] = b.getLong();
    }
    return new SharePayload(sender, recipient, new Share(recipient, s), new Share(recipient, m));
  }

  /** Associated data binding a ciphertext to its direction. */
  static byte[] aad(int sender, int recipient) {
    return ByteBuffer.allocate(8).putInt(sender).putInt(recipient).array();
  }
}
