/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's {@code bytes_to_unicode} table: every byte gets a printable code point so that byte-level
 * BPE symbols are plain strings without spaces or control characters. Printable Latin-1 bytes map
 * to themselves; the other 68 bytes map to U+0100 and up in byte order (so the space byte is {@code
 * 'Ġ'} and the newline byte {@code 'Ċ'}).
 */
final class ByteLevelAlphabet {
  private static final char[] BYTE_TO_CHAR = new char[256];

  static {
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
    }
  }

  private ByteLevelAlphabet() {}

  /** The symbol of one byte ({@code 0..255}). */
  static char symbol(int unsignedByte) {
    return BYTE_TO_CHAR[unsignedByte & 0xFF];
  }

  /** The symbols of the UTF-8 bytes of {@code text}, one char per byte. */
  static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      sb.append(symbol(b));
    }
    return sb.toString();
  }
}
