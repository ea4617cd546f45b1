/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the store needs to know about the base model an entry is published for: its {@link
 * ModelFingerprint}, and the shapes of its weights for checking adapters that record no fingerprint
 * (Python PEFT's).
 */
public final class BaseModel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String fingerprint;
  private final Map<String, long[]> shapes;
  private final Integer hiddenSize;
  private final String description;

  private BaseModel(Builder b) {
    this.fingerprint = ModelFingerprint.requireWellFormed(b.fingerprint, "base model fingerprint");
    Map<String, long[]> copy = new LinkedHashMap<>();
    b.shapes.forEach((k, v) -> copy.put(k, v.clone()));
    this.shapes = Collections.unmodifiableMap(copy);
    if (b.hiddenSize != null && b.hiddenSize <= 0) {
      throw new IllegalArgumentException(
          "base model hidden size = " + b.hiddenSize + " must be > 0");
    }
    this.hiddenSize = b.hiddenSize;
    this.description =
        b.description != null ? b.description : ModelFingerprint.abbreviate(fingerprint);
  }

  /**
   * The base model in {@code modelDir}: the fingerprint of its weights (hashing reads every byte
   * once per process; see {@link ModelFingerprint#of}), its tensors' shapes from the checkpoint
   * headers, and {@code hidden_size} from {@code config.json} when present.
   *
   * @throws IOException if the checkpoint cannot be read (naming the file)
   */
  public static BaseModel of(Path modelDir) throws IOException {
    Builder b = builder().setFingerprint(ModelFingerprint.of(modelDir));
    Map<String, long[]> shapes = new LinkedHashMap<>();
    try (Checkpoint c = Checkpoint.open(modelDir)) {
      for (String name : c.names()) {
        shapes.put(name, c.info(name).shape());
      }
    }
    b.optTensorShapes(shapes).optDescription(modelDir.toString());
    Path config = Files.isDirectory(modelDir) ? modelDir.resolve("config.json") : null;
    if (config != null && Files.isRegularFile(config)) {
      JsonNode h = JSON.readTree(config.toFile()).get("hidden_size");
      if (h != null && h.canConvertToExactIntegral() && h.asInt() > 0) {
        b.optHiddenSize(h.asInt());
      }
    }
    return b.build();
  }

  /** A builder (DJL's convention: {@code setX} required, {@code optX} optional). */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code sha256:<hex>} of the weights. */
  public String fingerprint() {
    return fingerprint;
  }

  /** Tensor name to shape (copies), empty when unknown. */
  public Map<String, long[]> tensorShapes() {
    Map<String, long[]> copy = new LinkedHashMap<>();
    shapes.forEach((k, v) -> copy.put(k, v.clone()));
    return copy;
  }

  Map<String, long[]> shapesView() {
    return shapes;
  }

  /** The model's hidden size, if known. */
  public OptionalInt hiddenSize() {
    return hiddenSize == null ? OptionalInt.empty() : OptionalInt.of(hiddenSize);
  }

  /** Where it came from (a directory) or its abbreviated fingerprint, for messages. */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return "BaseModel[" + description + ", " + ModelFingerprint.abbreviate(fingerprint) + "]";
  }

  /** Builds a {@link BaseModel}. */
  public static final class Builder {
    private String fingerprint;
    private Map<String, long[]> shapes = Map.of();
    private Integer hiddenSize;
    private String description;

    private Builder() {}

    /** The weights' {@link ModelFingerprint}. */
    public Builder setFingerprint(String fingerprint) {
      this.fingerprint = fingerprint;
      return this;
    }

    /** Tensor name (as in the checkpoint) to shape; without them unfingerprinted adapters fail. */
    public Builder optTensorShapes(Map<String, long[]> shapes) {
      this.shapes = Map.copyOf(shapes);
      return this;
    }

    /** {@code hidden_size}: checks heads and soft prompts that record no fingerprint. */
    public Builder optHiddenSize(int hiddenSize) {
      this.hiddenSize = hiddenSize;
      return this;
    }

    public Builder optDescription(String description) {
      this.description = description;
      return this;
    }

    /**
     * @throws IllegalArgumentException for a missing or malformed fingerprint or a hidden size
     *     &lt;= 0
     */
    public BaseModel build() {
      return new BaseModel(this);
    }
  }
}
