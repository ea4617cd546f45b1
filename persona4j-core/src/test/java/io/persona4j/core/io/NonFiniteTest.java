/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN and infinities load without error but can be found, per tensor, to warn about. */
class NonFiniteTest {
  @TempDir Path dir;

  @Test
  void findsNaNAndInfinityInEveryFloatType() throws Exception {
    float nan = Float.NaN;
    float inf = Float.POSITIVE_INFINITY;
    Map<String, HostTensor> t = new LinkedHashMap<>();
    t.put("clean", HostTensor.f32(new long[] {3}, new float[] {1, Float.MAX_VALUE, -0f}));
    t.put("f32nan", HostTensor.f32(new long[] {3}, new float[] {1, nan, nan}));
    t.put("f16inf", HostTensor.of(DType.F16, new long[] {2}, new float[] {70_000, 1})); // overflows
    t.put("bf16neginf", HostTensor.of(DType.BF16, new long[] {2}, new float[] {0, -inf}));
    t.put("f64nan", HostTensor.of(DType.F64, new long[] {1}, new float[] {nan}));
    t.put("f16max", HostTensor.of(DType.F16, new long[] {1}, new float[] {65504}));
    t.put("ints", HostTensor.i64(new long[] {2}, new long[] {-1, Long.MAX_VALUE}));
    Path file = dir.resolve("nan.safetensors");
    SafetensorsWriter.write(file, t, Map.of());
    for (long segment : new long[] {3, 1L << 30}) {
      try (SafetensorsFile f = SafetensorsFile.open(file, segment)) {
        assertThat(f.nonFiniteTensors())
            .containsExactly("f32nan", "f16inf", "bf16neginf", "f64nan");
        assertThat(f.hasNonFinite("clean")).isFalse();
        assertThat(f.hasNonFinite("f16max")).isFalse();
        assertThat(f.hasNonFinite("ints")).isFalse();
        assertThat(f.hasNonFinite("f32nan")).isTrue();
        assertThat(f.countNonFinite("f32nan")).isEqualTo(2);
        assertThat(f.countNonFinite("clean")).isZero();
        assertThat(f.floats("f32nan")[1]).isNaN(); // reading does not fail
        assertThat(f.floats("f16inf")[0]).isEqualTo(inf);
        assertThat(f.warnIfNonFinite("bf16neginf")).isTrue();
        assertThat(f.warnIfNonFinite("clean")).isFalse();
      }
    }
    try (Checkpoint c = Checkpoint.open(file)) {
      assertThat(c.nonFiniteTensors()).containsExactly("f32nan", "f16inf", "bf16neginf", "f64nan");
      assertThat(c.hasNonFinite("f64nan")).isTrue();
      assertThat(c.warnIfNonFinite("f16inf")).isTrue();
    }
  }
}
