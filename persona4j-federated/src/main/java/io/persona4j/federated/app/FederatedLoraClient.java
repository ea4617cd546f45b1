/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.lora.LoraClientApp;
import io.persona4j.federated.lora.LoraClientConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The client half of a federated LoRA run: a {@link LoraClientApp} on a local {@link LoraBase} and
 * local examples, configured by the server's instructions ({@link LoraClientSettings}). A client
 * needs only the base model and its data; it builds the adapter on the first instruction and
 * refuses a later one that changes the settings. Wrap it in a {@link
 * io.persona4j.federated.privacy.PrivacyStack} to serve DP and secure-aggregation runs.
 *
 * <pre>{@code
 * List<Example> data = FederatedLoraClient.readExamples(base, Path.of("alice.jsonl"), 256,
 *     JsonlDataset.OnMalformed.FAIL);
 * ClientApp alice = FederatedLoraClient.builder().setBase(base).setExamples(data).build();
 * }</pre>
 */
public final class FederatedLoraClient implements ClientApp {

  private final LoraBase base;
  private final List<Example> examples;
  private final Duration fitDelay;
  private final Consumer<String> log;
  private LoraClientApp app;
  private LoraClientSettings settings;

  private FederatedLoraClient(Builder b) {
    this.base = b.base;
    this.examples = List.copyOf(b.examples);
    this.fitDelay = b.fitDelay;
    this.log = b.log;
  }

  /** A builder: base model and examples required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a client's JSONL data ({@code {"prompt", "completion"}} rows, loss on the completion, or
   * {@code {"text"}} rows) with the base model's tokenizer; longer examples are truncated to {@code
   * maxLength} tokens.
   *
   * @param onMalformed what to do with a malformed row: fail naming the file and line, or skip it
   * @throws DatasetException naming the file (and line) when the data is unusable, including
   *     text/label rows (a classification set) and a file without a usable row
   */
  public static List<Example> readExamples(
      LoraBase base, Path file, int maxLength, JsonlDataset.OnMalformed onMalformed)
      throws IOException {
    base.ensureLoaded();
    return readExamples(base.tokenizer(), file, maxLength, onMalformed);
  }

  /** As {@link #readExamples(LoraBase, Path, int, JsonlDataset.OnMalformed)} with a tokenizer. */
  public static List<Example> readExamples(
      Tokenizer tokenizer, Path file, int maxLength, JsonlDataset.OnMalformed onMalformed)
      throws IOException {
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be >= 2, got " + maxLength);
    }
    JsonlDataset d =
        JsonlDataset.builder()
            .setFile(file)
            .setTokenizer(tokenizer)
            .setMaxLength(maxLength)
            .optOnOverlong(JsonlDataset.OnOverlong.TRUNCATE)
            .optOnMalformed(onMalformed)
            .build();
    if (d.kind() == JsonlDataset.Kind.CLASSIFICATION) {
      throw new DatasetException(
          file, "has text/label rows; federated LoRA trains on prompt/completion or text rows");
    }
    return d.examples();
  }

  /** The client's examples. */
  public List<Example> examples() {
    return examples;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    log.accept(in.clientId() + ": round " + in.round() + ": training");
    if (!fitDelay.isZero()) {
      Thread.sleep(fitDelay.toMillis());
    }
    Reply r = app(in).fit(in);
    log.accept(
        String.format(
            "%s: round %d: trained, loss %.4f",
            in.clientId(), in.round(), r.metrics().getOrDefault(Reply.LOSS, Double.NaN)));
    return r;
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return app(in).evaluate(in);
  }

  /** The training app, built from the first instruction's settings. */
  private synchronized LoraClientApp app(Instruction in) throws IOException {
    LoraClientSettings s = LoraClientSettings.fromInstruction(in);
    if (app != null) {
      if (!settings.equals(s)) {
        throw new IllegalStateException(
            "the server changed the client settings from " + settings + " to " + s);
      }
      return app;
    }
    base.ensureAdapter(s.lora(), s.seed());
    LoraClientConfig cfg =
        LoraClientConfig.builder()
            .setLearningRate(s.learningRate())
            .setLocalSteps(s.localSteps())
            .optMicroBatchSize(s.batchSize())
            .optSeed(s.seed())
            .build();
    app = new LoraClientApp(base.model(), base.lora(), LoraBase.ADAPTER, examples, cfg);
    settings = s;
    log.accept(in.clientId() + ": " + examples.size() + " examples");
    return app;
  }

  @Override
  public String toString() {
    return "FederatedLoraClient[" + examples.size() + " examples on " + base.directory() + "]";
  }

  /** Builds a {@link FederatedLoraClient}: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private LoraBase base;
    private List<Example> examples;
    private Duration fitDelay = Duration.ZERO;
    private Consumer<String> log = line -> {};

    private Builder() {}

    /** The (shared) base model (required). */
    public Builder setBase(LoraBase base) {
      this.base = base;
      return this;
    }

    /** The client's examples, e.g. from {@link #readExamples} (required, non-empty). */
    public Builder setExamples(List<Example> examples) {
      this.examples = examples;
      return this;
    }

    /** A pause before each local training, to emulate a slow device (default none). */
    public Builder optFitDelay(Duration fitDelay) {
      this.fitDelay = fitDelay;
      return this;
    }

    /** Where one line per instruction goes (default nowhere). */
    public Builder optLog(Consumer<String> log) {
      this.log = log;
      return this;
    }

    /** The client. */
    public FederatedLoraClient build() {
      Objects.requireNonNull(base, "setBase is required");
      if (examples == null || examples.isEmpty()) {
        throw new IllegalArgumentException("setExamples needs at least one example");
      }
      if (fitDelay == null || fitDelay.isNegative()) {
        throw new IllegalArgumentException("fitDelay must be >= 0, got " + fitDelay);
      }
      Objects.requireNonNull(log, "log");
      return new FederatedLoraClient(this);
    }
  }
}
