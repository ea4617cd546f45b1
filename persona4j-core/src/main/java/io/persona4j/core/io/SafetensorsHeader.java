/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of a safetensors file: an 8-byte little-endian length N, then N
 * bytes of UTF-8 JSON mapping tensor names to {@code {"dtype", "shape", "data_offsets"}} (plus an
 * optional {@code "__metadata__"} string map), then the data section.
 *
 * @param dataStart file offset of the data section
 * @param tensors entries in header order
 * @param metadata the {@code __metadata__} map, empty if absent
 */
record SafetensorsHeader(
    long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {

  /** Largest header accepted, as in the reference implementation. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  static final String METADATA_KEY = "__metadata__";

  /** Reads and validates the header of {@code file}, whose size is {@code fileSize}. */
  static SafetensorsHeader read(Path file, FileChannel channel, long fileSize) throws IOException {
    if (fileSize < 8) {
      throw new ModelFormatException(
          file, "only " + fileSize + " bytes, shorter than the 8-byte header length");
    }
    long headerLength = readFully(channel, 0, 8).getLong();
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
      throw new ModelFormatException(
          file,
          "header length "
              + Long.toUnsignedString(headerLength)
              + " exceeds the limit of "
              + MAX_HEADER_BYTES
              + " bytes");
    }
    if (headerLength > fileSize - 8) {
      throw new ModelFormatException(
          file,
          "header length " + headerLength + " exceeds the " + (fileSize - 8) + " bytes after it");
    }
    byte[] json = new byte[(int) headerLength];
    readFully(channel, 8, (int) headerLength).get(json);
    ObjectNode root = Json.parseObject(file, json, "header");
    long dataStart = 8 + headerLength;
    long dataSize = fileSize - dataStart;

    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (e.getKey().equals(METADATA_KEY)) {
        readMetadata(file, e.getValue(), metadata);
      } else {
        tensors.put(e.getKey(), tensor(file, e.getKey(), e.getValue(), dataSize));
      }
    }
    checkOverlaps(file, tensors.values());
    return new SafetensorsHeader(
        dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
  }

  private static void readMetadata(Path file, JsonNode node, Map<String, String> out)
      throws ModelFormatException {
    if (!node.isObject()) {
      throw new ModelFormatException(
          file, METADATA_KEY + " is not an object: " + Json.abbreviate(node));
    }
    for (Map.Entry<String, JsonNode> m : node.properties()) {
      if (!m.getValue().isTextual()) {
        throw new ModelFormatException(
            file,
            METADATA_KEY
                + " value of '"
                + m.getKey()
                + "' is not a string: "
                + Json.abbreviate(m.getValue()));
      }
      out.put(m.getKey(), m.getValue().textValue());
    }
  }

  private static TensorInfo tensor(Path file, String name, JsonNode node, long dataSize)
      throws ModelFormatException {
    if (!node.isObject()) {
      throw new ModelFormatException(
          file, name, "entry is not an object: " + Json.abbreviate(node));
    }
    JsonNode dtypeNode = required(file, name, node, "dtype");
    if (!dtypeNode.isTextual()) {
      throw new ModelFormatException(
          file, name, "dtype is not a string: " + Json.abbreviate(dtypeNode));
    }
    DType dtype;
    try {
      dtype = DType.parse(dtypeNode.textValue());
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file, name, e.getMessage(), e);
    }
    long[] shape = longs(file, name, required(file, name, node, "shape"), "shape");
    long[] offsets = longs(file, name, required(file, name, node, "data_offsets"), "data_offsets");
    if (offsets.length != 2) {
      throw new ModelFormatException(
          file, name, "data_offsets has " + offsets.length + " numbers, not [begin, end]");
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw new ModelFormatException(
          file, name, "data_offsets [" + begin + ", " + end + "] has begin > end");
    }
    if (end > dataSize) {
      throw new ModelFormatException(
          file,
          name,
          "data_offsets ["
              + begin
              + ", "
              + end
              + "] reach beyond the data section of "
              + dataSize
              + " bytes (file truncated?)");
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(TensorInfo.numel(shape), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new ModelFormatException(
          file, name, "element count of shape " + TensorInfo.str(shape) + " overflows", e);
    }
    if (end - begin != bytes) {
      throw new ModelFormatException(
          file,
          name,
          "data_offsets ["
              + begin
              + ", "
              + end
              + "] span "
              + (end - begin)
              + " bytes, but "
              + dtype
              + TensorInfo.str(shape)
              + " needs "
              + bytes);
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static JsonNode required(Path file, String name, JsonNode entry, String field)
      throws ModelFormatException {
    JsonNode value = entry.get(field);
    if (value == null) {
      throw new ModelFormatException(file, name, "entry lacks \"" + field + "\"");
    }
    return value;
  }

  /** A JSON array of non-negative integers that fit a long. */
  private static long[] longs(Path file, String name, JsonNode node, String field)
      throws ModelFormatException {
    if (!node.isArray()) {
      throw new ModelFormatException(
          file, name, field + " is not an array: " + Json.abbreviate(node));
    }
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new ModelFormatException(
            file,
            name,
            field + " holds " + Json.abbreviate(v) + ", not a non-negative 64-bit integer");
      }
      values[i] = v.longValue();
    }
    return values;
  }

  /** No two non-empty tensors may share a byte. */
  private static void checkOverlaps(Path file, Iterable<TensorInfo> tensors)
      throws ModelFormatException {
    List<TensorInfo> sorted = new ArrayList<>();
    tensors.forEach(
        t -> {
          if (t.byteSize() > 0) {
            sorted.add(t);
          }
        });
    sorted.sort(Comparator.comparingLong(TensorInfo::begin));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo previous = sorted.get(i - 1);
      TensorInfo t = sorted.get(i);
      if (t.begin() < previous.end()) {
        throw new ModelFormatException(
            file,
            t.name(),
            "bytes ["
                + t.begin()
                + ", "
                + t.end()
                + ") overlap those of tensor '"
                + previous.name()
                + "' ["
                + previous.begin()
                + ", "
                + previous.end()
                + ")");
      }
    }
  }

  private static ByteBuffer readFully(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new EOFException("file shrank while reading its header");
      }
    }
    return buffer.flip();
  }
}
