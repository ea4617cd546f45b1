/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The content hash of a payload: {@code sha256:<hex>} over its files in path order; for each file
 * its path (UTF-8), a zero byte, its length (8 bytes, big-endian) and its bytes. Paths and sizes
 * are therefore covered: renaming or moving bytes between files changes the hash.
 */
final class ContentHash {
  static final String PREFIX = "sha256:";
  private static final Pattern FORMAT = Pattern.compile("sha256:[0-9a-f]{64}");

  private final MessageDigest digest = sha256();
  private final ByteBuffer length = ByteBuffer.allocate(8);

  /** Adds the next file (files must come in path order). */
  void add(String path, byte[] bytes) {
    digest.update(path.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(length.clear().putLong(bytes.length).flip());
    digest.update(bytes);
  }

  /** The hash of the files added so far; resets. */
  String finish() {
    return PREFIX + HexFormat.of().formatHex(digest.digest());
  }

  /** {@code sha256:<hex>} of one file's bytes. */
  static String ofBytes(byte[] bytes) {
    return PREFIX + HexFormat.of().formatHex(sha256().digest(bytes));
  }

  static boolean isWellFormed(String value) {
    return value != null && FORMAT.matcher(value).matches();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
