/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import ai.djl.ndarray.NDArray;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.io.TensorInfo;
import io.persona4j.core.model.Provenance;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A SASRec model directory: {@code model.safetensors} (F32 tensors named as in {@link
 * SasRecWeights}) and {@link SasRecConfigFile#FILE_NAME}.
 *
 * <p>Saving writes both files into a fresh temporary directory beside the target and renames it
 * into place, so a reader sees the old model or the new one, never a mix. An existing target is
 * replaced only if it is empty or a SASRec model directory (it is renamed aside, the new one
 * renamed in, then the old one deleted).
 */
final class SasRecFiles {
  static final String WEIGHTS_FILE = "model.safetensors";

  private SasRecFiles() {}

  static void save(Path dir, SasRecConfig config, SasRecWeights weights) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    if (Files.exists(target)) {
      checkReplaceable(target);
    }
    String name = target.getFileName().toString();
    Path tmp = Files.createTempDirectory(parent, "." + name + ".tmp-");
    try {
      Map<String, HostTensor> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : weights.asMap().entrySet()) {
        NDArray a = e.getValue();
        tensors.put(
            e.getKey(), HostTensor.f32(a.getShape().getShape(), weights.snapshotOf(e.getKey())));
      }
      Map<String, String> metadata = new LinkedHashMap<>(Provenance.metadata());
      metadata.put("persona4j.model_type", SasRecConfigFile.MODEL_TYPE);
      SafetensorsWriter.write(tmp.resolve(WEIGHTS_FILE), tensors, metadata);
      SasRecConfigFile.write(tmp.resolve(SasRecConfigFile.FILE_NAME), config);
      if (Files.exists(target)) {
        Path old = Files.createTempDirectory(parent, "." + name + ".old-");
        Files.delete(old);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      if (Files.exists(tmp)) {
        deleteTree(tmp);
      }
    }
  }

  private static void checkReplaceable(Path target) throws IOException {
    if (!Files.isDirectory(target)) {
      throw new IOException(target + " exists and is not a directory; not replacing it");
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
      boolean empty = !entries.iterator().hasNext();
      if (!empty && !Files.exists(target.resolve(SasRecConfigFile.FILE_NAME))) {
        throw new IOException(
            target
                + " is a non-empty directory without "
                + SasRecConfigFile.FILE_NAME
                + "; not replacing it with a SASRec model");
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The config and the weight values of a model directory, validated against each other. */
  static Map<String, float[]> readWeights(Path dir, SasRecConfig config) throws IOException {
    Path file = dir.resolve(WEIGHTS_FILE);
    Map<String, long[]> expected = SasRecWeights.shapes(config);
    Map<String, float[]> values = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      TreeSet<String> unexpected = new TreeSet<>(f.names());
      unexpected.removeAll(expected.keySet());
      if (!unexpected.isEmpty()) {
        throw new ModelFormatException(
            file,
            unexpected.first(),
            "unexpected tensor for a SASRec model with "
                + config.numBlocks()
                + " blocks ("
                + unexpected.size()
                + " unexpected in all)");
      }
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        String name = e.getKey();
        if (!f.contains(name)) {
          throw new ModelFormatException(file, name, "tensor is missing");
        }
        TensorInfo info = f.info(name);
        if (info.dtype() != DType.F32 || !Arrays.equals(info.shape(), e.getValue())) {
          throw new ModelFormatException(
              file,
              name,
              "expected F32"
                  + Arrays.toString(e.getValue())
                  + " (from "
                  + SasRecConfigFile.FILE_NAME
                  + "), found "
                  + info.dtype()
                  + Arrays.toString(info.shape()));
        }
        values.put(name, f.floats(name));
      }
    }
    return values;
  }
}
