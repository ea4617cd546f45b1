/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the safetensors header parser and tensor access: a file made of an
 * 8-byte header length (mostly the true one), a header (fuzzed text, often JSON-shaped) and data
 * bytes; opened, then every tensor listed read. Only an {@link IOException} (a {@link
 * ModelFormatException} naming file and field) may come out.
 */
class SafetensorsFuzzTest {

  private static final Path FILE;

  static {
    try {
      FILE = Files.createTempFile("p4j-fuzz", ".safetensors");
      FILE.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "120s")
  void anyFileOpensOrFailsWithAFormatError(FuzzedDataProvider d) throws IOException {
    String header =
        d.consumeBoolean()
            ? "{\"t\": {\"dtype\": \""
                + d.pickValue(new String[] {"F32", "F16", "BF16", "I64", "I32", "U8", "X"})
                + "\", \"shape\": ["
                + d.consumeInt(-2, 9)
                + ", "
                + d.consumeInt(-2, 9)
                + "], \"data_offsets\": ["
                + d.consumeLong(-2, 300)
                + ", "
                + d.consumeLong(-2, 300)
                + "]}"
                + (d.consumeBoolean() ? ", \"__metadata__\": {\"k\": \"v\"}" : "")
                + d.consumeString(32)
                + "}"
            : d.consumeString(256);
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    long declared = d.consumeBoolean() ? h.length : d.consumeLong();
    byte[] data = d.consumeRemainingAsBytes();
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declared).put(h).put(data);
    Files.write(FILE, b.array());
    try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
      for (String name : f.names()) {
        TensorInfo info = f.info(name);
        if (info.dtype().isFloatingPoint()) {
          f.floats(name);
          f.hasNonFinite(name);
        } else {
          f.longs(name);
        }
      }
      f.metadata();
    } catch (IOException expected) {
      // malformed: a format error naming the file
    }
  }
}
