/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Hugging Face's shard file names, and clean-up of an earlier save's files. */
final class ShardNames {
  private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

  private ShardNames() {}

  /** {@code model-00002-of-00005.safetensors} for shard 2 of 5. */
  static String shard(int number, int count) {
    return String.format("model-%05d-of-%05d.safetensors", number, count);
  }

  /**
   * After a save that wrote the shards {@code kept} (empty: a single {@code model.safetensors}),
   * deletes the files of an earlier save that would shadow or mix with it: other shard files, and
   * the index or the single file that this save did not write.
   */
  static void deleteStale(Path dir, Collection<String> kept) throws IOException {
    List<Path> stale = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        boolean staleShard = SHARD.matcher(name).matches() && !kept.contains(name);
        boolean staleIndex = kept.isEmpty() && name.equals(Checkpoint.INDEX_FILE);
        boolean staleSingle = !kept.isEmpty() && name.equals(Checkpoint.SINGLE_FILE);
        if (staleShard || staleIndex || staleSingle) {
          stale.add(f);
        }
      }
    }
    for (Path f : stale) {
      Files.deleteIfExists(f);
    }
  }
}
