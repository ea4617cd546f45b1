/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.lora.LoraClientApp;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a federated LoRA server and its clients must agree on, carried in every instruction's config
 * under the keys below: the adapter ({@link LoraSettings}) and the local training. A {@link
 * FederatedLoraClient} builds its adapter from the first instruction and refuses a later one that
 * changes these settings.
 *
 * @param lora the adapter
 * @param localSteps optimizer steps per client per round, {@code >= 1}
 * @param learningRate clients' constant AdamW learning rate, finite and {@code > 0}
 * @param batchSize clients' micro-batch size, {@code >= 1}
 * @param seed seed of the adapter initialization and of local training (with the round number)
 */
public record LoraClientSettings(
    LoraSettings lora, int localSteps, double learningRate, int batchSize, long seed) {

  /** Instruction config key of {@link LoraSettings#r()}. */
  public static final String LORA_R = "lora_r";

  /** Instruction config key of {@link LoraSettings#alpha()}. */
  public static final String LORA_ALPHA = "lora_alpha";

  /** Instruction config key of {@link LoraSettings#dropout()}. */
  public static final String LORA_DROPOUT = "lora_dropout";

  /** Instruction config key of {@link LoraSettings#targets()} (comma-separated). */
  public static final String LORA_TARGETS = "lora_targets";

  /** Instruction config key of {@link #localSteps()} (read by {@link LoraClientApp} too). */
  public static final String LOCAL_STEPS = LoraClientApp.LOCAL_STEPS;

  /** Instruction config key of {@link #learningRate()}. */
  public static final String LEARNING_RATE = "learning_rate";

  /** Instruction config key of {@link #batchSize()}. */
  public static final String BATCH_SIZE = "batch_size";

  /** Instruction config key of {@link #seed()}. */
  public static final String CLIENT_SEED = "client_seed";

  /** Every key, in the order of the instruction config. */
  public static final List<String> KEYS =
      List.of(
          LORA_R,
          LORA_ALPHA,
          LORA_DROPOUT,
          LORA_TARGETS,
          LOCAL_STEPS,
          LEARNING_RATE,
          BATCH_SIZE,
          CLIENT_SEED);

  /** Validates; errors name the {@code server.json} field and the value. */
  public LoraClientSettings {
    Objects.requireNonNull(lora, "lora");
    Fields.require(localSteps >= 1, "localSteps", localSteps, "must be >= 1");
    Fields.positive("learningRate", learningRate);
    Fields.require(batchSize >= 1, "batchSize", batchSize, "must be >= 1");
  }

  /** The instruction config carrying these settings. */
  public Map<String, Object> toInstructionConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(LORA_R, lora.r());
    m.put(LORA_ALPHA, lora.alpha());
    m.put(LORA_DROPOUT, lora.dropout());
    m.put(LORA_TARGETS, String.join(",", lora.targets()));
    m.put(LOCAL_STEPS, localSteps);
    m.put(LEARNING_RATE, learningRate);
    m.put(BATCH_SIZE, batchSize);
    m.put(CLIENT_SEED, seed);
    return m;
  }

  /**
   * The settings an instruction carries.
   *
   * @throws IllegalArgumentException naming the round and the key when one is missing, not a number
   *     where a number is expected, or out of range (the server is not a persona4j fed server, or a
   *     hostile one)
   */
  public static LoraClientSettings fromInstruction(Instruction in) {
    Map<String, Object> c = in.config();
    for (String k : KEYS) {
      if (c.get(k) == null) {
        throw new IllegalArgumentException(
            "instruction of round "
                + in.round()
                + " lacks '"
                + k
                + "': not a persona4j fed server?");
      }
    }
    try {
      LoraSettings lora =
          new LoraSettings(
              Math.toIntExact(number(c, LORA_R).longValue()),
              number(c, LORA_ALPHA).doubleValue(),
              number(c, LORA_DROPOUT).doubleValue(),
              Arrays.asList(String.valueOf(c.get(LORA_TARGETS)).split(",")));
      return new LoraClientSettings(
          lora,
          Math.toIntExact(number(c, LOCAL_STEPS).longValue()),
          number(c, LEARNING_RATE).doubleValue(),
          Math.toIntExact(number(c, BATCH_SIZE).longValue()),
          number(c, CLIENT_SEED).longValue());
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "instruction of round " + in.round() + ": " + e.getMessage(), e);
    }
  }

  private static Number number(Map<String, Object> c, String key) {
    if (!(c.get(key) instanceof Number n)) {
      throw new IllegalArgumentException(
          "config '" + key + "' is not a number: '" + c.get(key) + "'");
    }
    return n;
  }
}
