/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The weights of a Hugging Face model directory, in one safetensors file or sharded over several
 * with a {@code model.safetensors.index.json}. All files are opened and validated by {@link #open},
 * including that every tensor of the index is in its shard. Read methods behave as those of {@link
 * SafetensorsFile}.
 */
public final class Checkpoint implements AutoCloseable {
  /** File name of an unsharded checkpoint. */
  public static final String SINGLE_FILE = "model.safetensors";

  /** File name of the shard index of a sharded checkpoint. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Path source;
  private final Map<String, SafetensorsFile> byTensor;
  private final List<SafetensorsFile> files;

  private Checkpoint(
      Path source, Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> files) {
    this.source = source;
    this.byTensor = Collections.unmodifiableMap(byTensor);
    this.files = List.copyOf(files);
  }

  /**
   * Opens the checkpoint in {@code dirOrFile}, which is either a directory or a {@code
   * .safetensors} or {@code .index.json} file. A directory is searched, in order, for {@value
   * #SINGLE_FILE} (as {@code transformers} does), {@value #INDEX_FILE}, a single {@code
   * *.safetensors.index.json}, and a single {@code *.safetensors} file (e.g. {@code
   * adapter_model.safetensors}).
   *
   * @throws ModelFormatException if none or several candidates are found, or a file is malformed
   */
  public static Checkpoint open(Path dirOrFile) throws IOException {
    Path file = CheckpointFiles.locate(dirOrFile);
    if (!file.getFileName().toString().endsWith(".index.json")) {
      SafetensorsFile single = SafetensorsFile.open(file);
      Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
      single.names().forEach(name -> byTensor.put(name, single));
      return new Checkpoint(file, byTensor, List.of(single));
    }
    Map<String, Path> weightMap = CheckpointFiles.readIndex(file);
    Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
    try {
      Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
      for (Map.Entry<String, Path> e : weightMap.entrySet()) {
        SafetensorsFile shard = shards.get(e.getValue());
        if (shard == null) {
          shard = SafetensorsFile.open(e.getValue());
          shards.put(e.getValue(), shard);
        }
        if (!shard.contains(e.getKey())) {
          throw new ModelFormatException(
              shard.path(), e.getKey(), "missing, though " + file.getFileName() + " lists it here");
        }
        byTensor.put(e.getKey(), shard);
      }
      return new Checkpoint(file, byTensor, new ArrayList<>(shards.values()));
    } catch (IOException | RuntimeException e) {
      shards.values().forEach(SafetensorsFile::close);
      throw e;
    }
  }

  /** The file opened: the single safetensors file or the index. */
  public Path source() {
    return source;
  }

  /** The safetensors files, in the order the index first names them. */
  public List<Path> files() {
    return files.stream().map(SafetensorsFile::path).toList();
  }

  /** Tensor names, in file order or, for a sharded checkpoint, in the index's order. */
  public Set<String> names() {
    return byTensor.keySet();
  }

  /** Whether the checkpoint holds tensor {@code name}. */
  public boolean contains(String name) {
    return byTensor.containsKey(name);
  }

  /**
   * The header entry of tensor {@code name} (offsets relative to its file's data section).
   *
   * @throws NoSuchElementException naming the checkpoint and tensor if there is none
   */
  public TensorInfo info(String name) {
    SafetensorsFile f = byTensor.get(name);
    if (f == null) {
      throw new NoSuchElementException(source + ": tensor '" + name + "': no such tensor");
    }
    return f.info(name);
  }

  /**
   * The file holding tensor {@code name}.
   *
   * @throws NoSuchElementException naming the checkpoint and tensor if there is none
   */
  public Path fileOf(String name) {
    info(name);
    return byTensor.get(name).path();
  }

  /** The {@code __metadata__} of the first file (the shards of one save carry the same). */
  public Map<String, String> metadata() {
    return files.get(0).metadata();
  }

  /** See {@link SafetensorsFile#floats}. */
  public float[] floats(String name) throws IOException {
    return file(name).floats(name);
  }

  /** See {@link SafetensorsFile#longs}. */
  public long[] longs(String name) throws IOException {
    return file(name).longs(name);
  }

  /** See {@link SafetensorsFile#hostTensor}. */
  public HostTensor hostTensor(String name) throws IOException {
    return file(name).hostTensor(name);
  }

  /** See {@link SafetensorsFile#toNDArray}. */
  public NDArray toNDArray(String name, NDManager manager) throws IOException {
    return file(name).toNDArray(name, manager);
  }

  /** See {@link SafetensorsFile#readRaw}. */
  public void readRaw(String name, Consumer<ByteBuffer> sink) throws IOException {
    file(name).readRaw(name, sink);
  }

  /** See {@link SafetensorsFile#hasNonFinite}. */
  public boolean hasNonFinite(String name) throws IOException {
    return file(name).hasNonFinite(name);
  }

  /** See {@link SafetensorsFile#warnIfNonFinite}. */
  public boolean warnIfNonFinite(String name) throws IOException {
    return file(name).warnIfNonFinite(name);
  }

  /** Names of the tensors holding a NaN or an infinity, in {@link #names()} order. */
  public List<String> nonFiniteTensors() throws IOException {
    List<String> out = new ArrayList<>();
    for (String name : names()) {
      if (hasNonFinite(name)) {
        out.add(name);
      }
    }
    return out;
  }

  /** Closes every file. */
  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + source + ", " + files.size() + " files, " + names().size() + " tensors]";
  }

  private SafetensorsFile file(String name) throws ModelFormatException {
    SafetensorsFile f = byTensor.get(name);
    if (f == null) {
      throw new ModelFormatException(source, name, "no such tensor");
    }
    return f;
  }
}
