package io.persona4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.persona4j.core.config.JsonErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code server.json} of {@code persona4j fed server} and {@code fed simulate}. Relative paths
 * are resolved against the directory of the config file. Every field is validated when read; an
 * error names the file, the field and the value.
 *
 * @param port port to listen on (0: an ephemeral one, printed at start)
 * @param bindHost address to listen on (default 127.0.0.1)
 * @param baseModel the frozen base model directory (Hugging Face layout, Llama family)
 * @param lora the adapter trained federatedly
 * @param strategy {@code fedavg} or {@code fedprox}
 * @param mu FedProx proximal coefficient ({@code >= 0}; only with fedprox)
 * @param rounds number of rounds
 * @param fraction fraction of the available clients sampled per round, in (0, 1]
 * @param minClients minimum clients per round
 * @param minReplies minimum valid replies for a round to succeed
 * @param roundDeadlineSeconds time the server waits for a round's replies
 * @param retries extra attempts of a round with too few replies
 * @param localSteps optimizer steps per client per round
 * @param learningRate clients' constant AdamW learning rate
 * @param batchSize clients' micro-batch size
 * @param seed seed of the adapter initialization, client sampling and local training
 * @param tokens JSON file {@code {"client-id": "token", ...}} of the allowed clients
 * @param expectedClients clients to wait for before the first round (default: all in tokens)
 * @param clientWaitSeconds how long to wait for the expected clients
 * @param tls TLS settings, or null for plaintext (loopback testing only)
 * @param checkpointDir checkpoint directory (default {@code OUT/checkpoints})
 * @param maxUpdateNorm bound on a client's update L2 norm, or null for none
 * @param secagg {@code none}, {@code secagg} or {@code secagg+}
 * @param secaggOptions secure-aggregation encoding and threshold (defaults if null)
 * @param dp DP-FedAvg settings, or null for none
 */
public record FedConfig(
    Integer port,
    String bindHost,
    String baseModel,
    Lora lora,
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
    Tls tls,
    String checkpointDir,
    Double maxUpdateNorm,
    String secagg,
    SecAggOptions secaggOptions,
    Dp dp) {

  /**
   * The LoRA adapter.
   *
   * @param r rank, {@code >= 1}
   * @param alpha scale numerator, {@code > 0}
   * @param dropout LoRA dropout in [0, 1)
   * @param targets target module names, e.g. {@code [q_proj, v_proj]}
   */
  public record Lora(Integer r, Double alpha, Double dropout, List<String> targets) {
    /** Validates and fills defaults (dropout 0, targets q_proj and v_proj). */
    public Lora {
      if (r == null || r < 1) {
        throw bad("lora.r", r, "must be an integer >= 1");
      }
      if (alpha == null || !(alpha > 0) || alpha.isInfinite()) {
        throw bad("lora.alpha", alpha, "must be a number > 0");
      }
      dropout = dropout == null ? 0.0 : dropout;
      if (!(dropout >= 0 && dropout < 1)) {
        throw bad("lora.dropout", dropout, "must be in [0, 1)");
      }
      targets = targets == null ? List.of("q_proj", "v_proj") : List.copyOf(targets);
      if (targets.isEmpty() || targets.stream().anyMatch(t -> t == null || t.isBlank())) {
        throw bad("lora.targets", targets, "must be a non-empty list of module names");
      }
    }
  }

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
  public record Tls(
      String keyStore, String password, String clientCa, Boolean certificateIdentity) {
    /** Validates. */
    public Tls {
      if (keyStore == null || keyStore.isBlank()) {
        throw bad("tls.keyStore", keyStore, "must name a PKCS12 file");
      }
      if (password == null) {
        throw bad("tls.password", null, "is required");
      }
      certificateIdentity = certificateIdentity == null || certificateIdentity;
    }
  }

  /**
   * Secure aggregation encoding.
   *
   * @param threshold Shamir threshold as a fraction of the sampled clients, in (0, 1]
   * @param clip per-coordinate clip of an update before fixed-point encoding, {@code > 0}
   * @param scale fixed-point scale (quantization step 1/scale), {@code > 0}
   * @param modulusBits masking modulus 2^bits, in [8, 62]
   * @param degree SecAgg+ graph degree (even, {@code >= 2}); null for about {@code 2 log2 n}
   */
  public record SecAggOptions(
      Double threshold, Double clip, Double scale, Integer modulusBits, Integer degree) {
    /** Validates and fills defaults (threshold 2/3, clip 1, scale 2^20, 2^48). */
    public SecAggOptions {
      threshold = threshold == null ? 2.0 / 3 : threshold;
      if (!(threshold > 0 && threshold <= 1)) {
        throw bad("secaggOptions.threshold", threshold, "must be in (0, 1]");
      }
      clip = clip == null ? 1.0 : clip;
      if (!(clip > 0) || clip.isInfinite()) {
        throw bad("secaggOptions.clip", clip, "must be a number > 0");
      }
      scale = scale == null ? (double) (1 << 20) : scale;
      if (!(scale > 0) || scale.isInfinite()) {
        throw bad("secaggOptions.scale", scale, "must be a number > 0");
      }
      modulusBits = modulusBits == null ? 48 : modulusBits;
      if (modulusBits < 8 || modulusBits > 62) {
        throw bad("secaggOptions.modulusBits", modulusBits, "must be in [8, 62]");
      }
      if (degree != null && (degree < 2 || degree % 2 != 0)) {
        throw bad("secaggOptions.degree", degree, "must be an even integer >= 2");
      }
    }

    static SecAggOptions defaults() {
      return new SecAggOptions(null, null, null, null, null);
    }
  }

  /**
   * Client-level DP-FedAvg.
   *
   * @param clip L2 clip norm of each client's update
   * @param noiseMultiplier noise multiplier z
   * @param delta target delta
   * @param epsilonBudget epsilon the run may spend (null: none)
   * @param mode {@code central} or {@code distributed} (default: distributed with secure
   *     aggregation, else central)
   */
  public record Dp(
      Double clip, Double noiseMultiplier, Double delta, Double epsilonBudget, String mode) {
    /** Validates. */
    public Dp {
      if (clip == null || !(clip > 0) || clip.isInfinite()) {
        throw bad("dp.clip", clip, "must be a number > 0");
      }
      if (noiseMultiplier == null || !(noiseMultiplier >= 0) || noiseMultiplier.isInfinite()) {
        throw bad("dp.noiseMultiplier", noiseMultiplier, "must be a number >= 0");
      }
      if (delta == null || !(delta > 0 && delta < 1)) {
        throw bad("dp.delta", delta, "must be in (0, 1)");
      }
      if (epsilonBudget != null && !(epsilonBudget > 0)) {
        throw bad("dp.epsilonBudget", epsilonBudget, "must be > 0");
      }
      if (mode != null && !mode.equals("central") && !mode.equals("distributed")) {
        throw bad("dp.mode", mode, "must be central or distributed");
      }
    }
  }

  /** Validates every field and fills defaults. */
  public FedConfig {
    port = port == null ? 0 : port;
    if (port < 0 || port > 65535) {
      throw bad("port", port, "must be in [0, 65535]");
    }
    bindHost = bindHost == null ? "127.0.0.1" : bindHost;
    if (baseModel == null || baseModel.isBlank()) {
      throw bad("baseModel", baseModel, "must name the base model directory");
    }
    if (lora == null) {
      throw bad("lora", null, "is required ({\"r\": 8, \"alpha\": 16, \"targets\": [...]})");
    }
    strategy = strategy == null ? "fedavg" : strategy;
    if (!strategy.equals("fedavg") && !strategy.equals("fedprox")) {
      throw bad("strategy", strategy, "must be fedavg or fedprox");
    }
    mu = mu == null ? (strategy.equals("fedprox") ? 0.01 : 0.0) : mu;
    if (!(mu >= 0) || mu.isInfinite()) {
      throw bad("mu", mu, "must be a number >= 0");
    }
    if (mu > 0 && strategy.equals("fedavg")) {
      throw bad("mu", mu, "is only used by strategy fedprox");
    }
    rounds = rounds == null ? 1 : rounds;
    if (rounds < 1) {
      throw bad("rounds", rounds, "must be >= 1");
    }
    fraction = fraction == null ? 1.0 : fraction;
    if (!(fraction > 0 && fraction <= 1)) {
      throw bad("fraction", fraction, "must be in (0, 1]");
    }
    minClients = minClients == null ? 1 : minClients;
    if (minClients < 1) {
      throw bad("minClients", minClients, "must be >= 1");
    }
    minReplies = minReplies == null ? minClients : minReplies;
    if (minReplies < 1) {
      throw bad("minReplies", minReplies, "must be >= 1");
    }
    roundDeadlineSeconds = roundDeadlineSeconds == null ? 600.0 : roundDeadlineSeconds;
    if (!(roundDeadlineSeconds > 0) || roundDeadlineSeconds.isInfinite()) {
      throw bad("roundDeadlineSeconds", roundDeadlineSeconds, "must be a number > 0");
    }
    retries = retries == null ? 0 : retries;
    if (retries < 0) {
      throw bad("retries", retries, "must be >= 0");
    }
    localSteps = localSteps == null ? 1 : localSteps;
    if (localSteps < 1) {
      throw bad("localSteps", localSteps, "must be >= 1");
    }
    learningRate = learningRate == null ? 1e-3 : learningRate;
    if (!(learningRate > 0) || learningRate.isInfinite()) {
      throw bad("learningRate", learningRate, "must be a number > 0");
    }
    batchSize = batchSize == null ? 4 : batchSize;
    if (batchSize < 1) {
      throw bad("batchSize", batchSize, "must be >= 1");
    }
    seed = seed == null ? 0L : seed;
    expectedClients = expectedClients == null ? null : List.copyOf(expectedClients);
    clientWaitSeconds = clientWaitSeconds == null ? 300.0 : clientWaitSeconds;
    if (!(clientWaitSeconds >= 0) || clientWaitSeconds.isInfinite()) {
      throw bad("clientWaitSeconds", clientWaitSeconds, "must be a number >= 0");
    }
    if (maxUpdateNorm != null && (!(maxUpdateNorm > 0) || maxUpdateNorm.isNaN())) {
      throw bad("maxUpdateNorm", maxUpdateNorm, "must be a number > 0");
    }
    secagg = secagg == null ? "none" : secagg;
    if (!List.of("none", "secagg", "secagg+").contains(secagg)) {
      throw bad("secagg", secagg, "must be none, secagg or secagg+");
    }
    secaggOptions = secaggOptions == null ? SecAggOptions.defaults() : secaggOptions;
    if (dp != null && dp.mode() != null && dp.mode().equals("central") && !secagg.equals("none")) {
      throw bad(
          "dp.mode",
          "central",
          "cannot be combined with secure aggregation (the server never sees single updates):"
              + " use distributed");
    }
  }

  /** Whether secure aggregation is on. */
  public boolean secureAggregation() {
    return !secagg.equals("none");
  }

  /** Whether the DP noise is added by the clients. */
  public boolean distributedDp() {
    return dp != null
        && (dp.mode() == null ? secureAggregation() : dp.mode().equals("distributed"));
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

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * Reads and validates a config file.
   *
   * @throws IOException naming the file (and field, value, line and column) on any problem
   */
  public static FedConfig load(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IOException("cannot read config " + file + ": " + e, e);
    }
    try {
      return MAPPER.readValue(text, FedConfig.class);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException(file + ": " + cause.getMessage(), e);
    } catch (JsonMappingException e) {
      // unknown fields list the valid ones; no Java class names
      throw new IOException(file + ": " + JsonErrors.describe(e), e);
    } catch (JsonProcessingException e) {
      throw new IOException(
          file
              + ": not valid JSON: "
              + e.getOriginalMessage()
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"),
          e);
    }
  }

  /** {@code p} resolved against the config file's directory. */
  static Path resolve(Path configFile, String p) {
    Path dir = configFile.toAbsolutePath().getParent();
    return dir.resolve(p).normalize();
  }
}
