/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finding a checkpoint's files in a directory, and reading its shard index. */
final class CheckpointFiles {
  private CheckpointFiles() {}

  /** The single safetensors file or the index to open for {@code dirOrFile}. */
  static Path locate(Path dirOrFile) throws IOException {
    if (!Files.isDirectory(dirOrFile)) {
      if (!Files.isRegularFile(dirOrFile)) {
        throw new ModelFormatException(dirOrFile, "no such file or directory");
      }
      return dirOrFile;
    }
    for (String name : List.of(Checkpoint.SINGLE_FILE, Checkpoint.INDEX_FILE)) {
      if (Files.isRegularFile(dirOrFile.resolve(name))) {
        return dirOrFile.resolve(name);
      }
    }
    List<Path> indexes = list(dirOrFile, "*.safetensors.index.json");
    if (indexes.size() == 1) {
      return indexes.get(0);
    }
    List<Path> singles = list(dirOrFile, "*.safetensors");
    if (indexes.isEmpty() && singles.size() == 1) {
      return singles.get(0);
    }
    throw new ModelFormatException(
        dirOrFile,
        indexes.isEmpty() && singles.isEmpty()
            ? "no safetensors file in this directory"
            : "ambiguous checkpoint: several candidates "
                + names(indexes.isEmpty() ? singles : indexes)
                + " and no "
                + Checkpoint.SINGLE_FILE
                + " or "
                + Checkpoint.INDEX_FILE);
  }

  /**
   * The {@code weight_map} of an index, tensor to shard path, in file order.
   *
   * @throws ModelFormatException naming the index (and tensor) if it is malformed, names a shard
   *     outside its directory, or names one that does not exist
   */
  static Map<String, Path> readIndex(Path index) throws IOException {
    long size = Files.size(index);
    if (size > SafetensorsHeader.MAX_HEADER_BYTES) {
      throw new ModelFormatException(index, size + " bytes, too large for a shard index");
    }
    ObjectNode root = Json.parseObject(index, Files.readAllBytes(index), "index");
    JsonNode weightMap = root.get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw new ModelFormatException(index, "no \"weight_map\" object");
    }
    if (weightMap.isEmpty()) {
      throw new ModelFormatException(index, "empty \"weight_map\"");
    }
    Path dir = index.toAbsolutePath().getParent().normalize();
    Map<String, Path> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
      String tensor = e.getKey();
      JsonNode value = e.getValue();
      if (!value.isTextual() || value.textValue().isEmpty()) {
        throw new ModelFormatException(
            index, tensor, "shard is not a file name: " + Json.abbreviate(value));
      }
      Path shard;
      try {
        shard = dir.resolve(value.textValue()).normalize();
      } catch (RuntimeException ex) { // InvalidPathException
        throw new ModelFormatException(index, tensor, "bad shard name " + value, ex);
      }
      // Lexical check, so shards that are symlinks (as in the Hugging Face cache) still work.
      if (!shard.startsWith(dir) || shard.equals(dir)) {
        throw new ModelFormatException(
            index, tensor, "shard " + value + " lies outside the index's directory");
      }
      if (!Files.isRegularFile(shard)) {
        throw new ModelFormatException(
            index, tensor, "shard " + value + " does not exist (" + shard + ")");
      }
      out.put(tensor, shard);
    }
    return out;
  }

  private static List<Path> list(Path dir, String glob) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
      for (Path f : files) {
        if (Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")) {
          out.add(f);
        }
      }
    }
    out.sort(null);
    return out;
  }

  private static String names(List<Path> files) {
    return files.stream().map(f -> f.getFileName().toString()).toList().toString();
  }
}
