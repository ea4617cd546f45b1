/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.persona4j.federated.Grid;
import io.persona4j.federated.app.AggregationStrategy;
import io.persona4j.federated.app.DpSettings;
import io.persona4j.federated.app.FederatedLoraConfig;
import io.persona4j.federated.app.FederatedLoraRun;
import io.persona4j.federated.app.LoraBase;
import io.persona4j.federated.app.LoraSettings;
import io.persona4j.federated.app.SecAggSettings;
import io.persona4j.federated.privacy.DpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The {@code server.json} of {@code persona4j fed server} and {@code fed simulate}: the run's
 * settings ({@link FederatedLoraConfig}, which validates them and names the field and value of a
 * bad one) plus what only a deployment has: the base model directory, the network, the client
 * tokens and TLS. Relative paths are resolved against the directory of the config file.
 *
 * @param run the federated run's settings
 * @param baseModel the frozen base model directory (Hugging Face layout, Llama family)
 * @param port port to listen on (0: an ephemeral one, printed at start)
 * @param bindHost address to listen on (default 127.0.0.1)
 * @param tokens JSON file {@code {"client-id": "token", ...}} of the allowed clients, or null
 * @param expectedClients clients to wait for before the first round (null: all in tokens)
 * @param clientWaitSeconds how long to wait for the expected clients (default 300)
 * @param tls TLS settings, or null for plaintext (loopback testing only)
 * @param checkpointDir checkpoint directory (null: {@code OUT/checkpoints})
 */
record FedConfig(
    FederatedLoraConfig run,
    String baseModel,
    int port,
    String bindHost,
    String tokens,
    List<String> expectedClients,
    double clientWaitSeconds,
    Tls tls,
    String checkpointDir) {

  /**
   * Server TLS.
   *
   * @param keyStore PKCS12 file with the server's key and certificate
   * @param password password of the key store and its key
   * @param clientCa certificate(s) client certificates must chain to (PKCS12, PEM or DER): turns on
   *     mutual TLS; null for server-only TLS
   * @param certificateIdentity with mutual TLS, require the client certificate's CN to equal the
   *     client id (default true)
   */
  record Tls(String keyStore, String password, String clientCa, boolean certificateIdentity) {}

  /** The checkpoint directory of a run writing into {@code out}. */
  Path checkpoints(Path configFile, Path out) {
    return checkpointDir == null ? out.resolve("checkpoints") : resolve(configFile, checkpointDir);
  }

  /**
   * Runs this config's federated rounds over {@code grid} on {@code base}, writing into {@code out}
   * and printing progress on stderr: what {@code fed server} and {@code fed simulate} share.
   *
   * @param population the clients samples are drawn from (registered or simulated)
   */
  FederatedLoraRun.Result runOn(
      Grid grid, LoraBase base, Path out, Path checkpoints, int population, boolean resume)
      throws IOException {
    return FederatedLoraRun.builder()
        .setConfig(run)
        .setBase(base)
        .setGrid(grid)
        .setOutput(out)
        .optCheckpointDir(checkpoints)
        .optPopulation(population)
        .optResume(resume)
        .optProgress(System.err::println)
        .build()
        .run();
  }

  /** {@code p} resolved against the config file's directory. */
  static Path resolve(Path configFile, String p) {
    Path dir = configFile.toAbsolutePath().getParent();
    return dir.resolve(p).normalize();
  }

  /**
   * Reads and validates a config file.
   *
   * @throws IOException naming the file (and field, value, line and column) on any problem
   */
  static FedConfig load(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IOException("cannot read config " + file + ": " + e.getMessage(), e);
    }
    Raw json;
    try {
      json = MAPPER.readValue(text, Raw.class);
    } catch (UnrecognizedPropertyException e) {
      TreeSet<String> valid = new TreeSet<>();
      e.getKnownPropertyIds().forEach(id -> valid.add(String.valueOf(id)));
      throw new IOException(
          file
              + ": field '"
              + path(e)
              + "' is unknown"
              + Json.where(e)
              + "; valid fields here: "
              + String.join(", ", valid),
          e);
    } catch (InvalidFormatException e) {
      throw new IOException(
          file
              + ": field '"
              + path(e)
              + "': "
              + (e.getValue() instanceof String ? "'" + e.getValue() + "'" : e.getValue())
              + " is not "
              + expected(e.getTargetType())
              + Json.where(e),
          e);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException(file + ": " + cause.getMessage(), e);
    } catch (JsonMappingException e) {
      throw new IOException(
          file + ": field '" + path(e) + "': " + e.getOriginalMessage() + Json.where(e), e);
    } catch (JsonProcessingException e) {
      throw new IOException(
          file + ": not valid JSON: " + e.getOriginalMessage() + Json.where(e), e);
    }
    try {
      return json.toConfig();
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The file as written: every field optional here; {@link #toConfig} maps and validates. */
  record Raw(
      Integer port,
      String bindHost,
      String baseModel,
      JsonLora lora,
      String strategy,
      Double mu,
      Integer rounds,
      Double fraction,
      Integer minClients,
      Integer minReplies,
      Double roundDeadlineSeconds,
      Integer retries,
      Integer localSteps,
      Double learningRate,
      Integer batchSize,
      Long seed,
      String tokens,
      List<String> expectedClients,
      Double clientWaitSeconds,
      JsonTls tls,
      String checkpointDir,
      Double maxUpdateNorm,
      String secagg,
      JsonSecAgg secaggOptions,
      JsonDp dp) {

    FedConfig toConfig() {
      if (baseModel == null || baseModel.isBlank()) {
        throw bad("baseModel", baseModel, "must name the base model directory");
      }
      if (lora == null) {
        throw bad("lora", null, "is required ({\"r\": 8, \"alpha\": 16, \"targets\": [...]})");
      }
      FederatedLoraConfig.Builder b = FederatedLoraConfig.builder().setLora(lora.toSettings());
      if (strategy != null) {
        b.optStrategy(AggregationStrategy.fromLabel(strategy));
      }
      if (mu != null) {
        b.optMu(mu);
      }
      if (rounds != null) {
        b.optRounds(rounds);
      }
      if (fraction != null) {
        b.optFraction(fraction);
      }
      if (minClients != null) {
        b.optMinClients(minClients);
      }
      if (minReplies != null) {
        b.optMinReplies(minReplies);
      }
      if (roundDeadlineSeconds != null) {
        if (!(roundDeadlineSeconds > 0) || roundDeadlineSeconds > 1e9) {
          throw bad("roundDeadlineSeconds", roundDeadlineSeconds, "must be a number in (0, 1e9]");
        }
        b.optRoundDeadline(Duration.ofMillis(Math.max(1, Math.round(roundDeadlineSeconds * 1000))));
      }
      if (retries != null) {
        b.optRetries(retries);
      }
      if (localSteps != null) {
        b.optLocalSteps(localSteps);
      }
      if (learningRate != null) {
        b.optLearningRate(learningRate);
      }
      if (batchSize != null) {
        b.optBatchSize(batchSize);
      }
      if (seed != null) {
        b.optSeed(seed);
      }
      if (maxUpdateNorm != null) {
        b.optMaxUpdateNorm(maxUpdateNorm);
      }
      SecAggSettings.Builder s =
          secaggOptions == null ? SecAggSettings.builder() : secaggOptions.toBuilder();
      if (secagg != null) {
        s.optProtocol(SecAggSettings.Protocol.fromLabel(secagg));
      }
      b.optSecAgg(s.build());
      if (dp != null) {
        b.optDp(dp.toSettings());
      }
      FederatedLoraConfig run = b.build();
      int p = port == null ? 0 : port;
      if (p < 0 || p > 65535) {
        throw bad("port", p, "must be in [0, 65535]");
      }
      double wait = clientWaitSeconds == null ? 300.0 : clientWaitSeconds;
      if (!(wait >= 0) || Double.isInfinite(wait)) {
        throw bad("clientWaitSeconds", wait, "must be a number >= 0");
      }
      return new FedConfig(
          run,
          baseModel,
          p,
          bindHost == null ? "127.0.0.1" : bindHost,
          tokens,
          expectedClients == null ? null : List.copyOf(expectedClients),
          wait,
          tls == null ? null : tls.toTls(),
          checkpointDir);
    }
  }

  /** {@code lora}. */
  record JsonLora(Integer r, Double alpha, Double dropout, List<String> targets) {
    LoraSettings toSettings() {
      LoraSettings.Builder b = LoraSettings.builder();
      if (r != null) {
        b.setR(r);
      }
      if (alpha != null) {
        b.setAlpha(alpha);
      }
      if (dropout != null) {
        b.optDropout(dropout);
      }
      if (targets != null) {
        b.optTargets(targets);
      }
      return b.build();
    }
  }

  /** {@code tls}. */
  record JsonTls(String keyStore, String password, String clientCa, Boolean certificateIdentity) {
    Tls toTls() {
      if (keyStore == null || keyStore.isBlank()) {
        throw bad("tls.keyStore", keyStore, "must name a PKCS12 file");
      }
      if (password == null) {
        throw bad("tls.password", null, "is required");
      }
      return new Tls(
          keyStore, password, clientCa, certificateIdentity == null || certificateIdentity);
    }
  }

  /** {@code secaggOptions}. */
  record JsonSecAgg(
      Double threshold, Double clip, Double scale, Integer modulusBits, Integer degree) {
    SecAggSettings.Builder toBuilder() {
      SecAggSettings.Builder b = SecAggSettings.builder();
      if (threshold != null) {
        b.optThreshold(threshold);
      }
      if (clip != null) {
        b.optClip(clip);
      }
      if (scale != null) {
        b.optScale(scale);
      }
      if (modulusBits != null) {
        b.optModulusBits(modulusBits);
      }
      if (degree != null) {
        b.optDegree(degree);
      }
      return b;
    }
  }

  /** {@code dp}. */
  record JsonDp(
      Double clip, Double noiseMultiplier, Double delta, Double epsilonBudget, String mode) {
    DpSettings toSettings() {
      DpSettings.Builder b = DpSettings.builder();
      if (clip != null) {
        b.setClip(clip);
      }
      if (noiseMultiplier != null) {
        b.setNoiseMultiplier(noiseMultiplier);
      }
      if (delta != null) {
        b.setDelta(delta);
      }
      if (epsilonBudget != null) {
        b.optEpsilonBudget(epsilonBudget);
      }
      if (mode != null) {
        b.optMode(
            switch (mode) {
              case "central" -> DpConfig.NoiseMode.CENTRAL;
              case "distributed" -> DpConfig.NoiseMode.DISTRIBUTED;
              default -> throw bad("dp.mode", mode, "must be central or distributed");
            });
      }
      return b.build();
    }
  }

  private static IllegalArgumentException bad(String field, Object value, String why) {
    return new IllegalArgumentException(
        "field '"
            + field
            + "' "
            + why
            + ", got "
            + (value instanceof String ? "'" + value + "'" : value));
  }

  private static String expected(Class<?> type) {
    if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }
}
