/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.io.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A hash that identifies a base model's weights, recorded with everything trained on top of it
 * (adapters, user vectors, prompts) so that a personal artifact is never applied to another base.
 *
 * <p>The fingerprint is {@code sha256:<64 hex digits>} over the checkpoint's tensors in name order;
 * for each tensor: its name (UTF-8), its safetensors dtype name, its rank and dimensions, and its
 * raw stored bytes. It therefore depends on the weights alone: not on the file layout (one file or
 * shards, tensor order in the file), the safetensors metadata, the tokenizer or {@code
 * config.json}. The same weights stored in another dtype (F32 vs BF16) are different weights and
 * get a different fingerprint.
 *
 * <p>Hashing reads every byte (about 1 s per GB here); results are cached per process by the files'
 * paths, sizes and modification times.
 */
public final class ModelFingerprint {
  /** The prefix naming the hash function. */
  public static final String PREFIX = "sha256:";

  private static final Pattern FORMAT = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Map<List<Object>, String> CACHE = new ConcurrentHashMap<>();

  private ModelFingerprint() {}

  /**
   * The fingerprint of the weights in {@code modelDir} (a model directory, or a safetensors or
   * index file; see {@link Checkpoint#open}).
   *
   * @throws IOException if the checkpoint cannot be read (a {@link
   *     io.persona4j.core.io.ModelFormatException} naming the file if it is malformed)
   */
  public static String of(Path modelDir) throws IOException {
    try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
      List<Object> key = cacheKey(checkpoint);
      String cached = CACHE.get(key);
      if (cached != null) {
        return cached;
      }
      String fingerprint = of(checkpoint);
      CACHE.put(key, fingerprint);
      return fingerprint;
    }
  }

  /** The fingerprint of an open checkpoint's weights (not cached). */
  public static String of(Checkpoint checkpoint) throws IOException {
    MessageDigest sha = sha256();
    List<String> names = new ArrayList<>(checkpoint.names());
    names.sort(null);
    ByteBuffer meta = ByteBuffer.allocate(8);
    for (String name : names) {
      TensorInfo info = checkpoint.info(name);
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(info.dtype().name().getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      long[] shape = info.shape();
      sha.update(meta.clear().putLong(shape.length).flip());
      for (long d : shape) {
        sha.update(meta.clear().putLong(d).flip());
      }
      sha.update(meta.clear().putLong(info.byteSize()).flip());
      checkpoint.readRaw(name, sha::update);
    }
    return PREFIX + HexFormat.of().formatHex(sha.digest());
  }

  /** Whether {@code value} has the form of a fingerprint ({@code sha256:} + 64 lower-case hex). */
  public static boolean isWellFormed(String value) {
    return value != null && FORMAT.matcher(value).matches();
  }

  /**
   * Checks that {@code value}, read from {@code where} (a file and field, for the message), has the
   * form of a fingerprint.
   *
   * @throws IllegalArgumentException naming {@code where} and the value otherwise
   */
  public static String requireWellFormed(String value, String where) {
    if (!isWellFormed(value)) {
      throw new IllegalArgumentException(
          where
              + " = "
              + (value == null ? "null" : "'" + value + "'")
              + " is not a base-model fingerprint (expected sha256: followed by 64 lower-case hex"
              + " digits, as ModelFingerprint writes)");
    }
    return value;
  }

  /** A short form for logs and messages: the prefix and the first 12 hex digits. */
  public static String abbreviate(String fingerprint) {
    return fingerprint == null || fingerprint.length() < PREFIX.length() + 12
        ? String.valueOf(fingerprint)
        : fingerprint.substring(0, PREFIX.length() + 12);
  }

  private static List<Object> cacheKey(Checkpoint checkpoint) throws IOException {
    List<Object> key = new ArrayList<>();
    for (Path file : checkpoint.files()) {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      key.add(file.toRealPath().toString());
      key.add(a.size());
      key.add(a.lastModifiedTime());
      key.add(String.valueOf(a.fileKey()));
    }
    return key;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
