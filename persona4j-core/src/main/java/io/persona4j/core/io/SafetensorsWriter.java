/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files, atomically: the bytes go to a temporary file in the target directory,
 * which is synced and then renamed over the target, so readers see the old file or the new one,
 * never a partial one.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /**
   * Writes {@code tensors} in map order to {@code file}: an 8-byte little-endian header length, the
   * JSON header padded with spaces so the data starts 8-byte aligned, then the data. The header
   * holds {@code "__metadata__"} only if {@code metadata} is non-empty. Parent directories are
   * created.
   *
   * @throws IllegalArgumentException if a tensor is named {@code "__metadata__"}
   */
  public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata)
      throws IOException {
    ByteBuffer header = header(tensors, metadata);
    AtomicFiles.write(
        file,
        channel -> {
          writeFully(channel, header);
          for (HostTensor t : tensors.values()) {
            writeFully(channel, t.data());
          }
        });
  }

  /**
   * Writes {@code tensors} as Hugging Face does with {@code save_pretrained(max_shard_size=...)}:
   * tensors are packed in map order into shards of at most {@code maxShardBytes} data bytes (a
   * larger tensor gets a shard of its own) named {@code model-00001-of-0000N.safetensors}, plus
   * {@code model.safetensors.index.json} holding {@code {"metadata": {"total_size": bytes},
   * "weight_map": {tensor: shard}}}. If everything fits one shard, writes {@code model.safetensors}
   * and no index, as Hugging Face does. Each shard carries {@code metadata}. Shard files and index
   * of an earlier save in {@code dir} that this one does not rewrite are deleted, so {@link
   * Checkpoint#open} cannot mix the two.
   */
  public static void writeSharded(
      Path dir, Map<String, HostTensor> tensors, long maxShardBytes, Map<String, String> metadata)
      throws IOException {
    if (maxShardBytes < 1) {
      throw new IllegalArgumentException("maxShardBytes " + maxShardBytes);
    }
    header(tensors, metadata); // validates names before anything is written
    List<Map<String, HostTensor>> shards = new ArrayList<>();
    Map<String, HostTensor> current = new LinkedHashMap<>();
    long currentBytes = 0;
    long totalBytes = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      long bytes = e.getValue().data().remaining();
      if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
        shards.add(current);
        current = new LinkedHashMap<>();
        currentBytes = 0;
      }
      current.put(e.getKey(), e.getValue());
      currentBytes += bytes;
      totalBytes += bytes;
    }
    shards.add(current);
    Files.createDirectories(dir);
    if (shards.size() == 1) {
      write(dir.resolve(Checkpoint.SINGLE_FILE), tensors, metadata);
      ShardNames.deleteStale(dir, List.of());
      return;
    }
    List<String> names = new ArrayList<>();
    ObjectNode weightMap = Json.MAPPER.createObjectNode();
    for (int i = 0; i < shards.size(); i++) {
      String name = ShardNames.shard(i + 1, shards.size());
      names.add(name);
      write(dir.resolve(name), shards.get(i), metadata);
      shards.get(i).keySet().forEach(tensor -> weightMap.put(tensor, name));
    }
    ObjectNode index = Json.MAPPER.createObjectNode();
    index.putObject("metadata").put("total_size", totalBytes);
    index.set("weight_map", weightMap);
    byte[] json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(index);
    AtomicFiles.write(
        dir.resolve(Checkpoint.INDEX_FILE), ch -> writeFully(ch, ByteBuffer.wrap(json)));
    ShardNames.deleteStale(dir, names);
  }

  /** The length prefix and padded JSON header for {@code tensors} in map order. */
  static ByteBuffer header(Map<String, HostTensor> tensors, Map<String, String> metadata) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = root.putObject(SafetensorsHeader.METADATA_KEY);
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      if (e.getKey().equals(SafetensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException("a tensor may not be named " + e.getKey());
      }
      HostTensor t = e.getValue();
      long end = offset + t.data().remaining();
      ObjectNode entry = root.putObject(e.getKey());
      entry.put("dtype", t.dtype().name());
      long[] shape = t.shape();
      var shapeNode = entry.putArray("shape");
      for (long d : shape) {
        shapeNode.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json;
    try {
      json = Json.MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    int padded = (json.length + 7) & ~7;
    if (padded > SafetensorsHeader.MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("header of " + padded + " bytes is too large");
    }
    ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(padded).put(json);
    while (b.hasRemaining()) {
      b.put((byte) ' ');
    }
    return b.flip();
  }

  static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }
}
