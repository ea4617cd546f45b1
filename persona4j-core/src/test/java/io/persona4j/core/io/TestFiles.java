/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, independently of {@link SafetensorsWriter}. */
final class TestFiles {
  private TestFiles() {}

  /** An 8-byte little-endian header length (written by hand), the header, then {@code data}. */
  static Path file(Path path, String header, byte[] data) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return file(path, json.length, json, data);
  }

  /** As {@link #file(Path, String, byte[])} with any header length and header bytes. */
  static Path file(Path path, long headerLength, byte[] header, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < 8; i++) {
      out.write((int) (headerLength >>> (8 * i)) & 0xFF);
    }
    out.writeBytes(header);
    out.writeBytes(data);
    Files.write(path, out.toByteArray());
    return path;
  }

  /** Bytes from ints (each taken mod 256), for writing data sections by hand. */
  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
