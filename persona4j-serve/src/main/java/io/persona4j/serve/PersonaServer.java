/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import ai.djl.ndarray.NDManager;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.UserAdapters;
import io.persona4j.serve.classify.ClassifierService;
import io.persona4j.serve.classify.PLoraClassifierService;
import io.persona4j.serve.generate.DecoderService;
import io.persona4j.serve.http.ApiKeys;
import io.persona4j.serve.http.Routes;
import io.persona4j.serve.http.ServeMetrics;
import io.persona4j.serve.http.ServerContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The personalized serving process: one base model (a decoder for the OpenAI endpoints, or an
 * encoder for {@code /v1/classify}), users' adapters from an {@link UserAdapters} through a byte-
 * budgeted {@link AdapterCache}, and an HTTP server (Helidon SE: a virtual thread per request).
 * Build with {@link #builder()}, {@link #close()} to stop.
 */
public final class PersonaServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PersonaServer.class);
  // Helidon logs every start and stop at INFO through java.util.logging (which holds loggers
  // weakly: this reference keeps the level); Persona4j's own logging goes through slf4j.
  private static final java.util.logging.Logger HELIDON_LOG =
      java.util.logging.Logger.getLogger("io.helidon");

  static {
    HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final NDManager manager;
  private final AutoCloseable model;
  private final DecoderService decoder;
  private final ClassifierService classifier;
  private final PLoraClassifierService plora;
  private final AdapterCache cache;
  private final ServeMetrics metrics;
  private final WebServer web;
  private final ServerContext context;
  private final Path workDir;
  private final String host;

  private PersonaServer(Builder b) throws IOException {
    this.host = b.host;
    ModelConfig config = ModelConfigs.load(b.model);
    this.manager = TensorRuntime.newManager();
    this.metrics = new ServeMetrics();
    this.workDir = Files.createTempDirectory("persona4j-serve-");
    DecoderService dec = null;
    ClassifierService cls = null;
    PLoraClassifierService pls = null;
    AutoCloseable loaded = null;
    AdapterCache adapterCache = null;
    try {
      if (config instanceof LlamaConfig) {
        LlamaModel lm = LlamaModel.load(b.model, manager);
        loaded = lm;
        dec =
            DecoderService.open(
                b.model,
                lm,
                new DecoderService.Settings(
                    b.maxBatch, b.maxQueue, b.maxSequenceLength, b.maxPrefillTokens),
                metrics,
                manager);
        adapterCache = new AdapterCache(b.source, dec::load, b.adapterCacheBytes, metrics, workDir);
      } else if (config instanceof BertConfig && b.plora != null) {
        BertModel bert = BertModel.load(b.model, manager);
        loaded = bert;
        pls =
            PLoraClassifierService.open(
                b.model, bert, b.plora, ModelFingerprint.of(b.model), b.maxBatch, manager);
        adapterCache = new AdapterCache(b.source, pls::load, b.adapterCacheBytes, metrics, workDir);
      } else if (config instanceof BertConfig) {
        BertModel bert = BertModel.load(b.model, manager);
        loaded = bert;
        cls = ClassifierService.open(b.model, bert, b.maxBatch, manager);
        adapterCache = new AdapterCache(b.source, cls::load, b.adapterCacheBytes, metrics, workDir);
      } else {
        throw new IOException(b.model + ": model_type " + config.modelType() + " cannot be served");
      }
      String modelId =
          b.modelId != null ? b.modelId : b.model.toAbsolutePath().getFileName().toString();
      String fingerprint = "fp_" + ModelFingerprint.of(b.model).substring(7, 19);
      this.context =
          new ServerContext(
              modelId,
              System.currentTimeMillis() / 1000,
              fingerprint,
              b.keys,
              b.source,
              adapterCache,
              metrics,
              b.maxPromptTokens > 0
                  ? b.maxPromptTokens
                  : dec != null ? dec.maxSequenceLength() - 1 : Integer.MAX_VALUE,
              b.maxTokens,
              b.maxBodyBytes,
              b.maxUploadBytes,
              b.loadTimeout);
      DecoderService d = dec;
      AdapterCache c = adapterCache;
      metrics.gauges(
          () -> d == null ? 0 : d.engine().queued(),
          () -> d == null ? 0 : d.engine().running(),
          () -> c.bytes(),
          () -> c.size(),
          () -> c.budget());
      for (String user : b.pinnedUsers) {
        adapterCache.pinUser(user);
      }
      HttpRouting.Builder routing = HttpRouting.builder();
      new Routes(context, dec, cls, pls, b.enrolment).register(routing);
      this.web =
          WebServer.builder()
              .host(b.host)
              .port(b.port)
              .maxPayloadSize(Math.max(b.maxBodyBytes, b.maxUploadBytes) + 1024L)
              .shutdownGracePeriod(Duration.ofSeconds(2))
              .routing(routing)
              .build()
              .start();
    } catch (IOException | RuntimeException e) {
      if (adapterCache != null) {
        adapterCache.close();
      }
      if (dec != null) {
        dec.close();
      }
      if (cls != null) {
        cls.close();
      }
      if (pls != null) {
        pls.close();
      }
      if (loaded != null) {
        closeQuietly(loaded);
      }
      manager.close();
      throw e;
    }
    this.decoder = dec;
    this.classifier = cls;
    this.plora = pls;
    this.model = loaded;
    this.cache = adapterCache;
    LOG.info(
        "serving {} ({}) on {} with adapters from {}",
        context.modelId(),
        config.modelType(),
        url(),
        b.source.describe());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The port it listens on (the one the OS chose for port 0). */
  public int port() {
    return web.port();
  }

  /** {@code http://host:port} (a server on every interface shown as 127.0.0.1). */
  public String url() {
    return "http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":" + port();
  }

  public String modelId() {
    return context.modelId();
  }

  public AdapterCache cache() {
    return cache;
  }

  public ServeMetrics metrics() {
    return metrics;
  }

  /** The decoder service, or null when an encoder is served. */
  public DecoderService decoder() {
    return decoder;
  }

  /** Stops accepting requests, cancels running ones and frees the model. */
  @Override
  public void close() {
    web.stop();
    if (decoder != null) {
      decoder.close();
    }
    if (classifier != null) {
      classifier.close();
    }
    if (plora != null) {
      plora.close();
    }
    cache.close();
    closeQuietly(model);
    manager.close();
    try (var s = Files.walk(workDir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", workDir, e.toString());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("close failed: {}", e.toString());
    }
  }

  /** Settings of a {@link PersonaServer} ({@code setX} required, {@code optX} optional). */
  public static final class Builder {
    private Path model;
    private UserAdapters source;
    private String host = "127.0.0.1";
    private int port = 8080;
    private ApiKeys keys;
    private int maxBatch = 16;
    private int maxQueue = 256;
    private int maxSequenceLength;
    private int maxPrefillTokens = 4096;
    private long adapterCacheBytes = 512L << 20;
    private int maxPromptTokens;
    private int maxTokens = 512;
    private int maxBodyBytes = 1 << 20;
    private int maxUploadBytes = 64 << 20;
    private Duration loadTimeout = Duration.ofSeconds(30);
    private String modelId;
    private List<String> pinnedUsers = List.of();
    private Path plora;
    private FewShotEnrolment.Config enrolment = FewShotEnrolment.Config.builder().build();

    private Builder() {}

    /**
     * Serves a shared PLoRA adapter directory on the encoder (instead of per-user classifiers): the
     * user adapters must then be user vectors ({@code user_vector} entries).
     */
    public Builder optPLora(Path ploraDir) {
      this.plora = ploraDir;
      return this;
    }

    /**
     * How {@code POST /v1/users/{id}/examples} fits a vector (default {@link FewShotEnrolment}'s).
     */
    public Builder optEnrolment(FewShotEnrolment.Config enrolment) {
      this.enrolment = Objects.requireNonNull(enrolment, "enrolment");
      return this;
    }

    /** The Hugging Face model directory (required). */
    public Builder setModel(Path model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Where users' adapters come from (required). */
    public Builder setUserAdapters(UserAdapters source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Interface to bind (default 127.0.0.1; 0.0.0.0 for every interface). */
    public Builder optHost(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Port (default 8080; 0 picks a free one). */
    public Builder optPort(int port) {
      this.port = port;
      return this;
    }

    /** API keys; without them the server is open to anyone who reaches it. */
    public Builder optApiKeys(ApiKeys keys) {
      this.keys = keys;
      return this;
    }

    /** Sequences decoded together (default 16). */
    public Builder optMaxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** Requests that may wait for the batch before 429 (default 256). */
    public Builder optMaxQueue(int maxQueue) {
      this.maxQueue = maxQueue;
      return this;
    }

    /** Prompt plus completion tokens per request (default: the model's context). */
    public Builder optMaxSequenceLength(int maxSequenceLength) {
      this.maxSequenceLength = maxSequenceLength;
      return this;
    }

    /** Padded prompt tokens per prefill pass (default 4096). */
    public Builder optMaxPrefillTokens(int maxPrefillTokens) {
      this.maxPrefillTokens = maxPrefillTokens;
      return this;
    }

    /** Byte budget of loaded adapters (default 512 MiB). */
    public Builder optAdapterCacheBytes(long adapterCacheBytes) {
      this.adapterCacheBytes = adapterCacheBytes;
      return this;
    }

    /** Longest prompt in tokens (default: the context minus one). */
    public Builder optMaxPromptTokens(int maxPromptTokens) {
      this.maxPromptTokens = maxPromptTokens;
      return this;
    }

    /** Largest max_tokens (default 512; also chat's default). */
    public Builder optMaxTokens(int maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    /** Largest request body (default 1 MiB). */
    public Builder optMaxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** Largest adapter upload through {@code POST /admin/adapters} (default 64 MiB). */
    public Builder optMaxUploadBytes(int maxUploadBytes) {
      this.maxUploadBytes = maxUploadBytes;
      return this;
    }

    /** How long a request waits for its adapter to load (default 30 s, then 503). */
    public Builder optLoadTimeout(Duration loadTimeout) {
      this.loadTimeout = Objects.requireNonNull(loadTimeout, "loadTimeout");
      return this;
    }

    /** The model's name in the API (default: the directory's name). */
    public Builder optModelId(String modelId) {
      this.modelId = modelId;
      return this;
    }

    /** Users whose adapters stay loaded (never evicted). */
    public Builder optPinnedUsers(List<String> users) {
      this.pinnedUsers = List.copyOf(users);
      return this;
    }

    /**
     * Loads the model, starts the engine and the HTTP server.
     *
     * @throws IOException naming the file if the model cannot be loaded, or the port is taken
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public PersonaServer start() throws IOException {
      if (model == null || source == null) {
        throw new IllegalArgumentException("setModel and setUserAdapters are required");
      }
      check(maxBatch >= 1, "maxBatch must be >= 1, got " + maxBatch);
      check(maxQueue >= 1, "maxQueue must be >= 1, got " + maxQueue);
      check(port >= 0 && port < 65536, "port must be in [0, 65535], got " + port);
      check(adapterCacheBytes >= 0, "adapterCacheBytes must be >= 0");
      check(maxTokens >= 1, "maxTokens must be >= 1, got " + maxTokens);
      check(maxPromptTokens >= 0, "maxPromptTokens must be >= 0 (0: the context)");
      check(maxBodyBytes >= 1024, "maxBodyBytes must be >= 1024, got " + maxBodyBytes);
      return new PersonaServer(this);
    }

    private static void check(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
