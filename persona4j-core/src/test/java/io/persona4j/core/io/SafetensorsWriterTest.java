/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
  @TempDir Path dir;

  /** Tensors of every kind, including special values, a scalar and empty shapes. */
  static Map<String, HostTensor> sampleTensors() {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    t.put(
        "f32", HostTensor.f32(new long[] {2, 3}, new float[] {1, -2, 0.1f, Float.NaN, -0f, 1e30f}));
    t.put(
        "f16",
        HostTensor.of(
            DType.F16,
            new long[] {6},
            new float[] {1, 65504, 0x1p-24f, -0f, Float.NEGATIVE_INFINITY, Float.NaN}));
    t.put(
        "bf16",
        HostTensor.of(DType.BF16, new long[] {2, 2}, new float[] {1, -1.5f, 3e38f, 0x1p-133f}));
    t.put("i64", HostTensor.i64(new long[] {3}, new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE}));
    t.put("scalar", HostTensor.f32(new long[0], new float[] {42}));
    t.put("empty", HostTensor.f32(new long[] {0}, new float[0]));
    t.put("empty2d", HostTensor.i64(new long[] {2, 0}, new long[0]));
    t.put("f64", HostTensor.of(DType.F64, new long[] {1}, new float[] {0.1f}));
    t.put("u8", new HostTensor(DType.U8, new long[] {3}, ByteBuffer.wrap(new byte[] {0, 1, -1})));
    t.put("bool", new HostTensor(DType.BOOL, new long[] {2}, ByteBuffer.wrap(new byte[] {1, 0})));
    return t;
  }

  @Test
  void roundTripIsBitExactForEveryTypeAndShape() throws Exception {
    Map<String, HostTensor> tensors = sampleTensors();
    Path file = dir.resolve("rt.safetensors");
    SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.names()).containsExactlyElementsOf(tensors.keySet());
      assertThat(f.metadata()).containsExactlyEntriesOf(Map.of("format", "pt"));
      for (var e : tensors.entrySet()) {
        assertThat(f.hostTensor(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        assertThat(f.info(e.getKey()).shape()).isEqualTo(e.getValue().shape());
      }
      // floats() gives the exact float bits written (F32) or their exact widening (F16, BF16)
      assertThat(bits(f.floats("f32")))
          .containsExactly(bits(new float[] {1, -2, 0.1f, Float.NaN, -0f, 1e30f}));
      float[] f16 = f.floats("f16");
      assertThat(f16).startsWith(1, 65504, 0x1p-24f);
      assertThat(Float.floatToRawIntBits(f16[3])).isEqualTo(0x8000_0000);
      assertThat(f16[4]).isEqualTo(Float.NEGATIVE_INFINITY);
      assertThat(f16[5]).isNaN();
      // 3e38f = 0x7F61B1E6: low half 0xB1E6 > 0x8000, rounds up to BF16 0x7F62 = 0x7F620000
      assertThat(f.floats("bf16"))
          .containsExactly(1, -1.5f, Float.intBitsToFloat(0x7F62_0000), 0x1p-133f);
      assertThat(f.longs("i64")).containsExactly(Long.MIN_VALUE, -1, Long.MAX_VALUE);
      assertThat(f.floats("scalar")).containsExactly(42);
      assertThat(f.floats("empty")).isEmpty();
      assertThat(f.longs("empty2d")).isEmpty();
      assertThat(f.floats("f64")).containsExactly(0.1f);
      assertThat(f.longs("u8")).containsExactly(0, 1, 255);
      assertThat(f.longs("bool")).containsExactly(1, 0);
    }
  }

  @Test
  void headerIsCompactJsonInMapOrderPaddedWithSpacesTo8Bytes() throws Exception {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put("z", HostTensor.f32(new long[] {2}, new float[] {1, 2}));
    tensors.put("a", HostTensor.of(DType.BF16, new long[] {1}, new float[] {1}));
    Path file = dir.resolve("h.safetensors");
    SafetensorsWriter.write(file, tensors, Map.of());
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong();
    assertThat(n % 8).isZero();
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    String json =
        "{\"z\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[8,10]}}";
    assertThat(header).isEqualTo(json + " ".repeat((int) n - json.length()));
    assertThat(bytes).hasSize(8 + (int) n + 10);
    // data: 1.0f = 00 00 80 3F, 2.0f = 00 00 00 40, BF16 1.0 = 80 3F
    assertThat(java.util.Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length))
        .containsExactly(TestFiles.bytes(0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0x80, 0x3F));

    SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
    String withMetadata = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    assertThat(withMetadata).contains("{\"__metadata__\":{\"format\":\"pt\"},\"z\":");
  }

  @Test
  void writesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
    Path file = dir.resolve("sub/dir/m.safetensors");
    SafetensorsWriter.write(file, sampleTensors(), Map.of());
    byte[] first = Files.readAllBytes(file);
    Map<String, HostTensor> other = Map.of("x", HostTensor.f32(new long[] {1}, new float[] {7}));
    SafetensorsWriter.write(file, other, Map.of()); // replaces
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.names()).containsExactly("x");
    }
    SafetensorsWriter.write(file, sampleTensors(), Map.of());
    assertThat(Files.readAllBytes(file)).isEqualTo(first);

    Map<String, HostTensor> bad = new LinkedHashMap<>(other);
    bad.put("__metadata__", HostTensor.f32(new long[] {1}, new float[] {1}));
    assertThatThrownBy(() -> SafetensorsWriter.write(file, bad, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(first);
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.safetensors");
    }
  }

  @Test
  void hostTensorChecksItsSizeAndCopiesNothingItShouldNot() {
    assertThatThrownBy(() -> HostTensor.f32(new long[] {2, 2}, new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 2]");
    assertThatThrownBy(() -> new HostTensor(DType.F32, new long[] {-1}, ByteBuffer.allocate(0)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HostTensor.of(DType.I32, new long[] {1}, new float[1]))
        .isInstanceOf(IllegalArgumentException.class);
    HostTensor t = HostTensor.i64(new long[] {1}, new long[] {5});
    ByteBuffer data = t.data();
    data.getLong(); // consuming a view must not affect the tensor
    assertThat(t.data().remaining()).isEqualTo(8);
    assertThat(t.data().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(t.data().getLong()).isEqualTo(5);
    assertThat(t.numel()).isEqualTo(1);
  }

  private static int[] bits(float[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Float.floatToRawIntBits(values[i]);
    }
    return out;
  }

  static List<String> names(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
