/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads spanning several mapped segments, as for files over 2 GiB, with tiny segments. */
class MappedDataTest {
  @TempDir Path dir;

  @Test
  void chunksHoldWholeElementsAcrossSegmentBoundaries() throws Exception {
    byte[] content = new byte[300];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) i;
    }
    Path file = Files.write(dir.resolve("bytes"), content);
    try (FileChannel ch = FileChannel.open(file)) {
      // the region starts at file offset 5; 64-byte segments; 8-byte elements from offset 3
      // straddle the boundaries at 64, 128, 192
      MappedData data = new MappedData(ch, 5, 295, 64);
      assertThat(data.size()).isEqualTo(295);
      List<Integer> chunkSizes = new ArrayList<>();
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      assertThat(
              data.read(
                  3,
                  240,
                  8,
                  chunk -> {
                    chunkSizes.add(chunk.remaining());
                    while (chunk.hasRemaining()) read.write(chunk.get());
                    return true;
                  }))
          .isTrue();
      byte[] expected = java.util.Arrays.copyOfRange(content, 5 + 3, 5 + 3 + 240);
      assertThat(read.toByteArray()).isEqualTo(expected);
      assertThat(chunkSizes).hasSizeGreaterThan(2).allMatch(n -> n % 8 == 0);
      // a consumer can stop early
      List<Integer> seen = new ArrayList<>();
      assertThat(data.read(0, 200, 4, c -> seen.add(c.remaining()) && false)).isFalse();
      assertThat(seen).hasSize(1);
      assertThatThrownBy(() -> data.read(290, 8, 8, c -> true))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void aTensorStraddlingSegmentsReadsLikeWithOneSegment() throws Exception {
    float[] values = new float[100]; // 400 bytes: spans several 64-byte segments
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 1.25f - 7;
    }
    Path file = dir.resolve("seg.safetensors");
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put("head", HostTensor.of(DType.BF16, new long[] {3}, new float[] {1, 2, 3}));
    tensors.put("w", HostTensor.f32(new long[] {10, 10}, values)); // starts 2-byte aligned only
    SafetensorsWriter.write(file, tensors, Map.of());
    try (SafetensorsFile whole = SafetensorsFile.open(file);
        SafetensorsFile segmented = SafetensorsFile.open(file, 64)) {
      assertThat(whole.info("w").byteSize()).isGreaterThan(3 * 64);
      for (String name : whole.names()) {
        assertThat(segmented.floats(name)).isEqualTo(whole.floats(name));
        assertThat(segmented.hostTensor(name)).isEqualTo(whole.hostTensor(name));
      }
      assertThat(segmented.floats("w")).containsExactly(values);
    }
  }
}
