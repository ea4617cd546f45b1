/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of malformed file gives a ModelFormatException naming the file (and tensor). */
class SafetensorsValidationTest {
  @TempDir Path dir;

  private static final String W = "{\"w\":%s}";

  /** Opening a file with this header and {@code dataBytes} zero bytes of data must fail. */
  private AbstractThrowableAssert<?, ?> opening(String name, String header, int dataBytes)
      throws Exception {
    Path file = TestFiles.file(dir.resolve(name), header, new byte[dataBytes]);
    return assertThatThrownBy(() -> SafetensorsFile.open(file).close())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(name);
  }

  private AbstractThrowableAssert<?, ?> openingW(String name, String entry, int dataBytes)
      throws Exception {
    return opening(name, W.formatted(entry), dataBytes).hasMessageContaining("'w'");
  }

  @Test
  void aWellFormedEntryOpens() throws Exception {
    // The control case: the variations below differ from it in one thing each.
    String entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    Path file = TestFiles.file(dir.resolve("ok.safetensors"), W.formatted(entry), new byte[8]);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.floats("w")).containsExactly(0f, 0f);
    }
  }

  @Test
  void fileShorterThanTheLengthPrefix() throws Exception {
    Path file = Files.write(dir.resolve("short.safetensors"), new byte[5]);
    assertThatThrownBy(() -> SafetensorsFile.open(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("short.safetensors")
        .hasMessageContaining("8-byte");
  }

  @Test
  void headerLengthBeyondTheFile() throws Exception {
    Path file = TestFiles.file(dir.resolve("long.safetensors"), 1000, new byte[10], new byte[0]);
    assertThatThrownBy(() -> SafetensorsFile.open(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("long.safetensors")
        .hasMessageContaining("1000");
  }

  @Test
  void headerLengthAboveTheLimitEvenIfTheFileIsThatLong() throws Exception {
    Path file = dir.resolve("huge.safetensors");
    TestFiles.file(file, 150_000_000, new byte[0], new byte[0]);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(150_000_100); // sparse: costs no disk
    }
    assertThatThrownBy(() -> SafetensorsFile.open(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("huge.safetensors")
        .hasMessageContaining("limit");
    // a length with the top bit set, negative as a signed long
    Path negative = TestFiles.file(dir.resolve("neg.safetensors"), -8, new byte[0], new byte[0]);
    assertThatThrownBy(() -> SafetensorsFile.open(negative))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("neg.safetensors")
        .hasMessageContaining("18446744073709551608");
  }

  @Test
  void headerThatIsNotAJsonObject() throws Exception {
    opening("syntax.safetensors", "{\"w\": {", 0).hasMessageContaining("JSON");
    opening("array.safetensors", "[1, 2]", 0).hasMessageContaining("not a JSON object");
    opening("empty.safetensors", "", 0).hasMessageContaining("not a JSON object");
    opening("trailing.safetensors", "{} {}", 0).hasMessageContaining("JSON");
    opening("dup.safetensors", "{\"w\":{},\"w\":{}}", 0)
        .hasMessageContaining("Duplicate field 'w'");
    opening("deep.safetensors", "[".repeat(100_000), 0).hasMessageContaining("JSON");
    Path latin1 =
        TestFiles.file(
            dir.resolve("latin1.safetensors"),
            "{\"caf\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1).length,
            "{\"caf\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1),
            new byte[0]);
    assertThatThrownBy(() -> SafetensorsFile.open(latin1))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("latin1.safetensors")
        .hasMessageContaining("UTF-8");
  }

  @Test
  void entryLackingAField() throws Exception {
    openingW("notobj.safetensors", "[1]", 0).hasMessageContaining("not an object");
    openingW("nodtype.safetensors", "{\"shape\":[2],\"data_offsets\":[0,8]}", 8)
        .hasMessageContaining("dtype");
    openingW("noshape.safetensors", "{\"dtype\":\"F32\",\"data_offsets\":[0,8]}", 8)
        .hasMessageContaining("shape");
    openingW("nooffsets.safetensors", "{\"dtype\":\"F32\",\"shape\":[2]}", 8)
        .hasMessageContaining("data_offsets");
    openingW("numdtype.safetensors", "{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}", 4)
        .hasMessageContaining("dtype");
  }

  @Test
  void unknownDtype() throws Exception {
    openingW("fp8.safetensors", "{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}", 2)
        .hasMessageContaining("F8_E4M3");
  }

  @Test
  void badShapes() throws Exception {
    openingW("negdim.safetensors", "{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}", 0)
        .hasMessageContaining("-1");
    openingW(
            "fraction.safetensors", "{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}", 4)
        .hasMessageContaining("1.5");
    openingW(
            "bigdim.safetensors",
            "{\"dtype\":\"F32\",\"shape\":[100000000000000000000],\"data_offsets\":[0,4]}",
            4)
        .hasMessageContaining("64-bit");
    // 2^32 * 2^32 = 2^64 elements: overflows a long
    openingW(
            "overflow.safetensors",
            "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}",
            4)
        .hasMessageContaining("overflow");
    // 2^62 elements of 4 bytes: the byte count overflows
    openingW(
            "bytesoverflow.safetensors",
            "{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}",
            4)
        .hasMessageContaining("overflow");
    openingW(
            "shapestr.safetensors", "{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}", 8)
        .hasMessageContaining("shape");
  }

  @Test
  void badDataOffsets() throws Exception {
    openingW("reversed.safetensors", "{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,0]}", 8)
        .hasMessageContaining("begin > end");
    openingW("one.safetensors", "{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0]}", 8)
        .hasMessageContaining("[begin, end]");
    openingW("three.safetensors", "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}", 8)
        .hasMessageContaining("[begin, end]");
    openingW("negoff.safetensors", "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}", 8)
        .hasMessageContaining("data_offsets");
    openingW("beyond.safetensors", "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}", 8)
        .hasMessageContaining("beyond the data section of 8 bytes");
    openingW("mismatch.safetensors", "{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}", 8)
        .hasMessageContaining("8 bytes")
        .hasMessageContaining("needs 12");
  }

  @Test
  void overlappingTensors() throws Exception {
    String header =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    opening("overlap.safetensors", header, 12)
        .hasMessageContaining("'b'")
        .hasMessageContaining("'a'")
        .hasMessageContaining("overlap");
  }

  @Test
  void metadataThatIsNotAStringMap() throws Exception {
    opening("meta.safetensors", "{\"__metadata__\":{\"n\":1}}", 0)
        .hasMessageContaining("__metadata__")
        .hasMessageContaining("'n'");
    opening("metaarr.safetensors", "{\"__metadata__\":[]}", 0).hasMessageContaining("__metadata__");
  }

  @Test
  void notAFile() {
    assertThatThrownBy(() -> SafetensorsFile.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.toString());
  }
}
