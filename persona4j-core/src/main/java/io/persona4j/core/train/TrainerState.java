/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The non-tensor part of a training checkpoint, stored as {@code trainer_state.json}: where the run
 * stands (step, position in the data order, seed) plus what it was configured with, so that a
 * resume continues the same run exactly, or says what differs.
 *
 * @param step optimizer steps completed
 * @param dataCursor examples consumed from the data order
 * @param seed the run seed (data order and per-step engine seeds derive from it)
 * @param shuffle whether the data order is shuffled
 * @param trainExamples size of the training set
 * @param microBatchSize examples per micro-batch
 * @param gradientAccumulation micro-batches per step
 * @param optimizer the optimizer's {@link Optimizer#name()}
 * @param optimizerHyperParameters its {@link Optimizer#hyperParameters()}
 * @param listeners listener states by {@link TrainingListener#stateKey()}
 */
public record TrainerState(
    long step,
    long dataCursor,
    long seed,
    boolean shuffle,
    long trainExamples,
    int microBatchSize,
    int gradientAccumulation,
    String optimizer,
    Map<String, Double> optimizerHyperParameters,
    Map<String, JsonNode> listeners) {

  /** The {@code format} field's value. */
  public static final String FORMAT = "persona4j-training-checkpoint";

  /** The version this code writes and the only one it reads. */
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  public TrainerState {
    if (step < 0 || dataCursor < 0 || trainExamples < 0) {
      throw new IllegalArgumentException("step, data cursor and example count must be >= 0");
    }
    Objects.requireNonNull(optimizer, "optimizer");
    optimizerHyperParameters = Map.copyOf(optimizerHyperParameters);
    listeners = Map.copyOf(listeners);
  }

  byte[] toJson() throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    FormatVersion.stamp(root, FORMAT_VERSION);
    root.put("step", step);
    root.put("data_cursor", dataCursor);
    root.put("seed", seed);
    root.put("shuffle", shuffle);
    root.put("train_examples", trainExamples);
    root.put("micro_batch_size", microBatchSize);
    root.put("gradient_accumulation", gradientAccumulation);
    ObjectNode opt = root.putObject("optimizer");
    opt.put("name", optimizer);
    ObjectNode hyper = opt.putObject("hyper_parameters");
    optimizerHyperParameters.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> hyper.put(e.getKey(), e.getValue()));
    ObjectNode l = root.putObject("listeners");
    listeners.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> l.set(e.getKey(), e.getValue()));
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /**
   * Parses and validates a state file.
   *
   * @throws ModelFormatException naming {@code file} and the field for invalid JSON, another
   *     format, an unsupported {@code format_version}, or a missing or mistyped field
   */
  static TrainerState fromJson(Path file, byte[] bytes) throws IOException {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new ModelFormatException(file, "not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(file, "not a JSON object");
    }
    String format = root.path("format").asText(null);
    if (!FORMAT.equals(format)) {
      throw new ModelFormatException(
          file, "field 'format' = " + format + ": not a Persona4j training checkpoint");
    }
    FormatVersion.check(file, root, FORMAT_VERSION);
    JsonNode opt = object(file, root, "optimizer");
    Map<String, Double> hyper = new LinkedHashMap<>();
    JsonNode h = object(file, opt, "hyper_parameters");
    for (var it = h.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().isNumber()) {
        throw new ModelFormatException(
            file, "field 'optimizer.hyper_parameters." + e.getKey() + "' is not a number");
      }
      hyper.put(e.getKey(), e.getValue().asDouble());
    }
    Map<String, JsonNode> listeners = new LinkedHashMap<>();
    for (var it = object(file, root, "listeners").fields(); it.hasNext(); ) {
      var e = it.next();
      listeners.put(e.getKey(), e.getValue());
    }
    JsonNode name = opt.get("name");
    if (name == null || !name.isTextual()) {
      throw new ModelFormatException(file, "field 'optimizer.name' is missing or not a string");
    }
    try {
      return new TrainerState(
          integer(file, root, "step"),
          integer(file, root, "data_cursor"),
          integer(file, root, "seed"),
          bool(file, root, "shuffle"),
          integer(file, root, "train_examples"),
          Math.toIntExact(integer(file, root, "micro_batch_size")),
          Math.toIntExact(integer(file, root, "gradient_accumulation")),
          name.asText(),
          hyper,
          listeners);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ModelFormatException(file, e.getMessage());
    }
  }

  private static long integer(Path file, JsonNode node, String field) throws ModelFormatException {
    JsonNode v = node.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new ModelFormatException(
          file, "field '" + field + "' is missing or not an integer: " + v);
    }
    return v.asLong();
  }

  private static boolean bool(Path file, JsonNode node, String field) throws ModelFormatException {
    JsonNode v = node.get(field);
    if (v == null || !v.isBoolean()) {
      throw new ModelFormatException(
          file, "field '" + field + "' is missing or not a boolean: " + v);
    }
    return v.asBoolean();
  }

  private static JsonNode object(Path file, JsonNode node, String field)
      throws ModelFormatException {
    JsonNode v = node.get(field);
    if (v == null || !v.isObject()) {
      throw new ModelFormatException(file, "field '" + field + "' is missing or not an object");
    }
    return v;
  }
}
