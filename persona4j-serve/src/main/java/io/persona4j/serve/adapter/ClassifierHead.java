/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A user's classification head ({@code classifier.weight/bias} saved with the adapter as PEFT
 * {@code modules_to_save}) with its label names and pooling, from the adapter's {@value #FILE}
 * (written by {@code persona4j train} on an encoder).
 */
public final class ClassifierHead implements AutoCloseable {
  /** The labels file beside a classification adapter. */
  public static final String FILE = "classifier.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ClassificationHead head;
  private final List<String> labels;
  private final Pooling pooling;

  private ClassifierHead(ClassificationHead head, List<String> labels, Pooling pooling) {
    this.head = head;
    this.labels = List.copyOf(labels);
    this.pooling = pooling;
  }

  /**
   * The head of an adapter directory, or null if it has no {@value #FILE} (a generation adapter).
   *
   * @throws IOException naming the file and field if the labels or the head are malformed or do not
   *     agree
   */
  public static ClassifierHead read(Path dir, Map<String, NDArray> modulesToSave, NDManager m)
      throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    JsonNode root = JSON.readTree(file.toFile());
    if (root.path("format_version").asInt(-1) != 1) {
      throw new IOException(
          file + ": format_version " + root.get("format_version") + " is not supported (1 is)");
    }
    Pooling pooling;
    try {
      pooling = Pooling.valueOf(root.path("pooling").asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": pooling " + root.get("pooling") + " is not mean or cls", e);
    }
    List<String> labels = new ArrayList<>();
    root.path("labels").forEach(n -> labels.add(n.asText()));
    if (labels.size() < 2) {
      throw new IOException(file + ": labels " + root.get("labels") + " must list >= 2 classes");
    }
    ClassificationHead head;
    try {
      head = ClassificationHead.of(modulesToSave, m);
    } catch (IllegalArgumentException e) {
      throw new IOException(dir + ": " + e.getMessage(), e);
    }
    if (head.classes() != labels.size()) {
      head.close();
      throw new IOException(
          file + ": " + labels.size() + " labels but the head has " + head.classes() + " classes");
    }
    return new ClassifierHead(head, labels, pooling);
  }

  /** {@code pooled [B, H] -> logits [B, C]}. */
  public NDArray logits(NDArray pooled) {
    return head.forward(pooled);
  }

  public List<String> labels() {
    return labels;
  }

  public Pooling pooling() {
    return pooling;
  }

  long bytes() {
    return head.parameters().values().stream().mapToLong(a -> a.size() * 4).sum();
  }

  @Override
  public void close() {
    head.close();
  }
}
