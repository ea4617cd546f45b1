/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NDArrayConversionTest {
  @TempDir Path dir;

  @Test
  void toNDArrayMatchesFloatsAndLongsWithTheHeaderShape() throws Exception {
    Map<String, HostTensor> tensors = SafetensorsWriterTest.sampleTensors();
    Path file = dir.resolve("nd.safetensors");
    SafetensorsWriter.write(file, tensors, Map.of());
    try (SafetensorsFile f = SafetensorsFile.open(file);
        NDManager m = TensorRuntime.newManager()) {
      for (String name : f.names()) {
        TensorInfo info = f.info(name);
        NDArray a = f.toNDArray(name, m);
        assertThat(a.getShape()).as(name).isEqualTo(new Shape(info.shape()));
        switch (info.dtype()) {
          case F32, F16, BF16, F64 -> {
            assertThat(a.getDataType()).as(name).isEqualTo(DataType.FLOAT32);
            assertThat(bits(a.toFloatArray())).as(name).isEqualTo(bits(f.floats(name)));
          }
          case BOOL -> {
            assertThat(a.getDataType()).isEqualTo(DataType.BOOLEAN);
            assertThat(a.toBooleanArray()).containsExactly(true, false);
          }
          default -> {
            assertThat(a.getDataType()).as(name).isEqualTo(DataType.INT64);
            assertThat(a.toLongArray()).as(name).isEqualTo(f.longs(name));
          }
        }
      }
      NDArray scalar = f.toNDArray("scalar", m);
      assertThat(scalar.getShape().isScalar()).isTrue();
      assertThat(scalar.getFloat()).isEqualTo(42f);
      assertThat(f.toNDArray("empty2d", m).getShape()).isEqualTo(new Shape(2, 0));
      // the array is a working, writable tensor of its own
      NDArray w = f.toNDArray("f32", m);
      w.addi(1);
      assertThat(w.toFloatArray()[0]).isEqualTo(2f);
      assertThat(f.floats("f32")[0]).isEqualTo(1f);
    }
  }

  @Test
  void fromNDArrayRoundTripsThroughAFile() throws Exception {
    try (NDManager m = TensorRuntime.newManager()) {
      NDArray matrix = m.arange(6f).reshape(2, 3).transpose(); // non-contiguous view
      NDArray ids = m.create(new long[] {3, -4, Long.MAX_VALUE});
      NDArray ints = m.create(new int[] {7, -8});
      Map<String, HostTensor> tensors = new LinkedHashMap<>();
      tensors.put("matrix", HostTensor.fromNDArray(matrix));
      tensors.put("ids", HostTensor.fromNDArray(ids));
      tensors.put("ints", HostTensor.fromNDArray(ints));
      assertThat(tensors.get("matrix").dtype()).isEqualTo(DType.F32);
      assertThat(tensors.get("matrix").shape()).containsExactly(3, 2);
      assertThat(tensors.get("ids").dtype()).isEqualTo(DType.I64);
      assertThat(tensors.get("ints").dtype()).isEqualTo(DType.I32);
      Path file = dir.resolve("from.safetensors");
      SafetensorsWriter.write(file, tensors, Map.of());
      try (Checkpoint c = Checkpoint.open(file)) {
        assertThat(c.floats("matrix")).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(c.toNDArray("matrix", m).contentEquals(matrix)).isTrue();
        assertThat(c.longs("ids")).containsExactly(3, -4, Long.MAX_VALUE);
        assertThat(c.longs("ints")).containsExactly(7, -8);
      }
    }
  }

  private static int[] bits(float[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Float.floatToRawIntBits(values[i]);
    }
    return out;
  }
}
