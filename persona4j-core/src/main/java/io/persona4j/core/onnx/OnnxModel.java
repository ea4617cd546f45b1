/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an ONNX model ({@code ModelProto}) needed to pull weights out of an export: the
 * graph's initializers, nodes, inputs and outputs. Read with {@link #read(Path)}; no generated
 * protobuf classes are involved.
 *
 * <p>The graph is a plain data view with a few lookups (who produces a value, who consumes it,
 * which values are constants) so importers can attribute anonymous weights through the graph.
 */
public final class OnnxModel {
  private final String source;
  private final long irVersion;
  private final String producer;
  private final long opsetVersion;
  private final List<OnnxNode> nodes;
  private final Map<String, OnnxTensor> initializers;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, OnnxNode> producers = new HashMap<>();
  private final Map<String, List<OnnxNode>> consumers = new HashMap<>();

  OnnxModel(
      String source,
      long irVersion,
      String producer,
      long opsetVersion,
      List<OnnxNode> nodes,
      List<OnnxTensor> initializers,
      List<String> graphInputs,
      List<String> outputs) {
    this.source = source;
    this.irVersion = irVersion;
    this.producer = producer;
    this.opsetVersion = opsetVersion;
    this.nodes = List.copyOf(nodes);
    Map<String, OnnxTensor> inits = new LinkedHashMap<>();
    for (OnnxTensor t : initializers) {
      inits.put(t.name(), t);
    }
    this.initializers = Collections.unmodifiableMap(inits);
    // Before IR version 4 initializers were also listed as graph inputs: keep the real inputs.
    this.inputs = graphInputs.stream().filter(n -> !inits.containsKey(n)).toList();
    this.outputs = List.copyOf(outputs);
    for (OnnxNode n : this.nodes) {
      for (String out : n.outputs()) {
        producers.put(out, n);
      }
      for (String in : n.inputs()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
    }
  }

  /**
   * Reads an {@code .onnx} file (memory-mapped; at most 2 GiB, external data is not supported).
   *
   * @throws IOException naming the file if it is truncated, corrupt or inconsistent
   */
  public static OnnxModel read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new IOException(
            file + ": " + size + " bytes; ONNX files over 2 GiB are not supported");
      }
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      return OnnxReader.parse(buf, file.toString());
    }
  }

  /** Parses an ONNX model held in memory; {@code source} names it in error messages. */
  public static OnnxModel parse(byte[] bytes, String source) throws IOException {
    return OnnxReader.parse(ByteBuffer.wrap(bytes), source);
  }

  /** The file (or other source) the model was read from. */
  public String source() {
    return source;
  }

  public long irVersion() {
    return irVersion;
  }

  /** {@code producer_name producer_version}, e.g. {@code pytorch 1.13.0}. */
  public String producer() {
    return producer;
  }

  /** Opset version of the default ONNX domain (0 if not declared). */
  public long opsetVersion() {
    return opsetVersion;
  }

  /** Graph nodes in topological order, as stored. */
  public List<OnnxNode> nodes() {
    return nodes;
  }

  /** Initializers by name, in file order. */
  public Map<String, OnnxTensor> initializers() {
    return initializers;
  }

  /** Names of the graph inputs that are not initializers (what a runtime must be fed). */
  public List<String> inputs() {
    return inputs;
  }

  /** Names of the graph outputs. */
  public List<String> outputs() {
    return outputs;
  }

  /** The node producing {@code value}, if any. */
  public Optional<OnnxNode> producer(String value) {
    return Optional.ofNullable(producers.get(value));
  }

  /** The nodes consuming {@code value} (empty if none). */
  public List<OnnxNode> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /** The constant behind {@code value}: an initializer or the output of a Constant node. */
  public Optional<OnnxTensor> constant(String value) {
    OnnxTensor t = initializers.get(value);
    if (t != null) {
      return Optional.of(t);
    }
    OnnxNode p = producers.get(value);
    if (p != null && p.opType().equals("Constant") && p.domain().isEmpty()) {
      return Optional.ofNullable(p.tensorAttribute("value"));
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "OnnxModel["
        + source
        + ", "
        + producer
        + ", opset "
        + opsetVersion
        + ", "
        + nodes.size()
        + " nodes, "
        + initializers.size()
        + " initializers]";
  }
}
