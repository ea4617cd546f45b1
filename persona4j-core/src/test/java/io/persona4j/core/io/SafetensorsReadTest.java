/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static io.persona4j.core.io.TestFiles.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads files written by hand, byte by byte, so the reader is checked against the format. */
class SafetensorsReadTest {
  /** Deliberately not padded: 8 + header length is odd, so no element is aligned. */
  static final String HEADER =
      """
      {"__metadata__":{"format":"pt","note":"hand made"},\
      "w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
      "h":{"dtype":"F16","shape":[],"data_offsets":[8,10]},\
      "b":{"dtype":"BF16","shape":[1,1],"data_offsets":[10,12]},\
      "d":{"dtype":"F64","shape":[1],"data_offsets":[12,20]},\
      "i":{"dtype":"I64","shape":[1],"data_offsets":[20,28]},\
      "j":{"dtype":"I32","shape":[2],"data_offsets":[28,36]},\
      "s":{"dtype":"I16","shape":[1],"data_offsets":[36,38]},\
      "k":{"dtype":"I8","shape":[1],"data_offsets":[38,39]},\
      "u":{"dtype":"U8","shape":[1],"data_offsets":[39,40]},\
      "m":{"dtype":"BOOL","shape":[2],"data_offsets":[40,42]},\
      "e":{"dtype":"F32","shape":[0,3],"data_offsets":[42,42]}}\s""";

  static final byte[] DATA =
      bytes(
          0x00, 0x00, 0x80, 0x3F, // w[0] = 1.0f = 0x3F800000
          0x00, 0x00, 0x20, 0xC0, // w[1] = -2.5f = 0xC0200000
          0x55, 0x35, // h = F16 0x3555 = 1365/4096 = 0.333251953125
          0xC0, 0xBF, // b = BF16 0xBFC0 = top half of -1.5f = 0xBFC00000
          0, 0, 0, 0, 0, 0, 0xE0, 0x3F, // d = 0.5 = 0x3FE0000000000000
          0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // i = -3
          0x02, 0x01, 0x00, 0x00, // j[0] = 258
          0xFF, 0xFF, 0xFF, 0x7F, // j[1] = Integer.MAX_VALUE
          0x00, 0x80, // s = -32768
          0xFF, // k = -1
          0xC8, // u = 200
          0x01, 0x00); // m = [true, false]

  @TempDir Path dir;

  static void assertHandMadeContent(SafetensorsFile f) throws Exception {
    assertThat(f.names()).containsExactly("w", "h", "b", "d", "i", "j", "s", "k", "u", "m", "e");
    assertThat(f.metadata())
        .containsExactly(Map.entry("format", "pt"), Map.entry("note", "hand made"));
    assertThat(f.floats("w")).containsExactly(1.0f, -2.5f);
    assertThat(f.floats("h")).containsExactly(0.333251953125f);
    assertThat(f.floats("b")).containsExactly(-1.5f);
    assertThat(f.floats("d")).containsExactly(0.5f);
    assertThat(f.floats("i")).containsExactly(-3f);
    assertThat(f.longs("i")).containsExactly(-3L);
    assertThat(f.longs("j")).containsExactly(258L, Integer.MAX_VALUE);
    assertThat(f.longs("s")).containsExactly(-32768L);
    assertThat(f.longs("k")).containsExactly(-1L);
    assertThat(f.longs("u")).containsExactly(200L);
    assertThat(f.floats("u")).containsExactly(200f);
    assertThat(f.longs("m")).containsExactly(1L, 0L);
    assertThat(f.floats("m")).containsExactly(1f, 0f);
    assertThat(f.floats("e")).isEmpty();
    assertThat(f.hostTensor("h").data().getShort()).isEqualTo((short) 0x3555);
  }

  @Test
  void readsAHandWrittenFile() throws Exception {
    Path file = TestFiles.file(dir.resolve("hand.safetensors"), HEADER, DATA);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.path()).isEqualTo(file);
      assertHandMadeContent(f);
      TensorInfo b = f.info("b");
      assertThat(b.dtype()).isEqualTo(DType.BF16);
      assertThat(b.shape()).containsExactly(1, 1);
      assertThat(b.begin()).isEqualTo(10);
      assertThat(b.end()).isEqualTo(12);
      assertThat(b.numel()).isEqualTo(1);
      assertThat(f.info("h").shape()).isEmpty();
      assertThat(f.info("h").numel()).isEqualTo(1);
      assertThat(f.info("e").numel()).isZero();
    }
  }

  @Test
  void readsEveryElementWhateverTheMappingSegmentSize() throws Exception {
    // With tiny segments, tensors and (as the data start is unaligned) single elements straddle
    // segment boundaries.
    assertThat((8 + HEADER.length()) % 8).isOdd();
    Path file = TestFiles.file(dir.resolve("hand.safetensors"), HEADER, DATA);
    for (long segment : new long[] {1, 2, 3, 5, 7, 8, 13, 16, 41, 64}) {
      try (SafetensorsFile f = SafetensorsFile.open(file, segment)) {
        assertHandMadeContent(f);
      }
    }
  }

  @Test
  void unknownTensorsAndWrongKindsAreReportedWithFileAndTensor() throws Exception {
    Path file = TestFiles.file(dir.resolve("hand.safetensors"), HEADER, DATA);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.contains("w")).isTrue();
      assertThat(f.contains("nope")).isFalse();
      assertThatThrownBy(() -> f.info("nope"))
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining("hand.safetensors")
          .hasMessageContaining("'nope'");
      assertThatThrownBy(() -> f.floats("nope"))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("hand.safetensors")
          .hasMessageContaining("'nope'");
      assertThatThrownBy(() -> f.longs("w"))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("hand.safetensors")
          .hasMessageContaining("'w'")
          .hasMessageContaining("F32");
    }
    SafetensorsFile closed = SafetensorsFile.open(file);
    closed.close();
    assertThatThrownBy(() -> closed.floats("w")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void dtypeParseNamesTheUnknownType() {
    assertThat(DType.parse("BF16")).isEqualTo(DType.BF16);
    assertThat(DType.F64.byteSize()).isEqualTo(8);
    assertThat(DType.BOOL.byteSize()).isEqualTo(1);
    assertThatThrownBy(() -> DType.parse("F8_E4M3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("F8_E4M3");
    assertThatThrownBy(() -> DType.parse("f32")).hasMessageContaining("f32");
  }
}
