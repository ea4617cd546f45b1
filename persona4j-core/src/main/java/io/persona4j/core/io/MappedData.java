/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-only memory mapping of a (possibly > 2 GiB) region of a file, as several {@link
 * MappedByteBuffer}s.
 *
 * <p>Segment {@code i} covers bytes {@code [i*segmentSize, (i+1)*segmentSize)} of the region and is
 * mapped {@value #OVERLAP} bytes longer, so every element (at most 8 bytes) that <em>starts</em> in
 * a segment lies wholly inside that segment's mapping, even when the region's elements are not
 * aligned to the segment size. Reads hand out zero-copy little-endian slices of whole elements.
 * Slicing is absolute, so concurrent reads are safe.
 */
final class MappedData {
  /** Default segment size: 1 GiB. */
  static final long DEFAULT_SEGMENT_SIZE = 1L << 30;

  /** Extra bytes mapped past each segment: the largest element size. */
  static final int OVERLAP = 8;

  /** Receives consecutive chunks of a read; returns false to stop early. */
  @FunctionalInterface
  interface ChunkConsumer {
    boolean accept(ByteBuffer littleEndianChunk);
  }

  private final MappedByteBuffer[] segments;
  private final long segmentSize;
  private final long size;

  /** Maps {@code size} bytes of {@code channel} from {@code position}. */
  MappedData(FileChannel channel, long position, long size, long segmentSize) throws IOException {
    if (segmentSize < 1 || segmentSize > Integer.MAX_VALUE - OVERLAP) {
      throw new IllegalArgumentException("segment size " + segmentSize);
    }
    this.segmentSize = segmentSize;
    this.size = size;
    long count = size == 0 ? 0 : (size - 1) / segmentSize + 1;
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many segments: " + count);
    }
    segments = new MappedByteBuffer[(int) count];
    for (int i = 0; i < segments.length; i++) {
      long start = i * segmentSize;
      long length = Math.min(segmentSize + OVERLAP, size - start);
      segments[i] = channel.map(FileChannel.MapMode.READ_ONLY, position + start, length);
    }
  }

  /** Size of the mapped region in bytes. */
  long size() {
    return size;
  }

  /**
   * Hands {@code consumer} the bytes {@code [offset, offset+length)} of the region in consecutive
   * chunks of whole {@code elementSize}-byte elements.
   *
   * @return false if the consumer stopped early
   */
  boolean read(long offset, long length, int elementSize, ChunkConsumer consumer) {
    if (elementSize < 1 || elementSize > OVERLAP || length % elementSize != 0) {
      throw new IllegalArgumentException("element size " + elementSize + ", length " + length);
    }
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new IndexOutOfBoundsException(
          "[" + offset + ", " + offset + "+" + length + ") outside " + size + " bytes");
    }
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      int index = (int) (pos / segmentSize);
      long segmentStart = index * segmentSize;
      // Elements starting before the segment's end, all inside its mapping thanks to the overlap.
      long startingHere = ceilDiv(segmentStart + segmentSize - pos, elementSize);
      long bytes = Math.min(startingHere, (end - pos) / elementSize) * elementSize;
      ByteBuffer chunk =
          segments[index]
              .slice((int) (pos - segmentStart), (int) bytes)
              .order(ByteOrder.LITTLE_ENDIAN);
      if (!consumer.accept(chunk)) {
        return false;
      }
      pos += bytes;
    }
    return true;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
