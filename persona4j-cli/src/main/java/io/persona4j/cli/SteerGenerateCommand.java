/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.grpc.ChannelCredentials;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.tokenizer.StreamingDecoder;
import io.persona4j.steer.SteerConfig;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.SteerParams;
import io.persona4j.steer.SteerResult;
import io.persona4j.steer.SteerTrace;
import io.persona4j.steer.SteeredGenerator;
import io.persona4j.steer.SteeringRule;
import io.persona4j.steer.StepListener;
import io.persona4j.steer.VocabularyAlignment;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.device.InProcessCloudConnector;
import io.persona4j.steer.wire.WireFormat;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j steer generate}: CoSteer generation on the device. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Generate an answer to --prompt with a cloud model, steered on this device by a small"
          + " model that reads --context-file with and without the context. The cloud receives"
          + " the prompt and the chosen tokens only; the context never leaves this process.",
      "--cloud HOST:PORT talks to `persona4j steer cloud`; --cloud-model DIR runs the cloud in"
          + " this process through the same code (same tokens). Text goes to stdout; timing and"
          + " traffic to stderr."
    })
final class SteerGenerateCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1")
  CloudChoice cloud;

  static final class CloudChoice {
    @Option(names = "--cloud", description = "host:port of a steer cloud service.")
    String address;

    @Option(names = "--cloud-model", description = "Run this cloud model in-process instead.")
    Path model;
  }

  @Option(names = "--device-model", required = true, description = "The small on-device model.")
  Path deviceModel;

  /** The precision of the device model's decode weights and, with --cloud-model, the cloud's. */
  @Mixin WeightsOption weightsOption;

  @Option(
      names = "--context-file",
      required = true,
      description = "The private context (UTF-8 text); read here only.")
  Path contextFile;

  @Option(names = "--prompt", required = true, description = "The query (sent to the cloud).")
  String prompt;

  @Option(
      names = "--max-tokens",
      defaultValue = "256",
      description = "New tokens at most (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--T", defaultValue = "20", description = "Iterations (${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--alpha", defaultValue = "2", description = "alpha (${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--beta", defaultValue = "1", description = "beta (${DEFAULT-VALUE}).")
  double beta;

  @Option(names = "--lambda", defaultValue = "2", description = "lambda (${DEFAULT-VALUE}).")
  double lambda;

  @Option(names = "--eta", defaultValue = "10", description = "eta (${DEFAULT-VALUE}).")
  double eta;

  @Option(
      names = "--closed-form",
      description = "Use the closed form log_softmax(pi_ref + c Delta) (same result, faster).")
  boolean closedForm;

  @Option(
      names = "--ada-threshold",
      defaultValue = "0",
      description =
          "AdaCoSteer: stop steering once the cloud's uncertainty 1 - max p is below this for"
              + " --ada-patience tokens in a row (the paper: 0.1; default 0 = always steer).")
  double adaThreshold;

  @Option(
      names = "--ada-patience",
      defaultValue = "3",
      description = "AdaCoSteer: consecutive confident tokens (default ${DEFAULT-VALUE}).")
  int adaPatience;

  @Option(
      names = "--wire",
      defaultValue = "f32",
      description = "Distribution encoding: f32, f16, bf16 or topk:K (default ${DEFAULT-VALUE}).")
  String wire;

  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 = greedy on the steered policy (default ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-p", defaultValue = "1", description = "Nucleus mass (${DEFAULT-VALUE}).")
  float topP;

  @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--raw", description = "Skip chat templates: each stream is its plain text.")
  boolean raw;

  @Option(
      names = "--system",
      defaultValue = SteerConfig.DEFAULT_SYSTEM,
      description = "System message of the chat templates (default: \"${DEFAULT-VALUE}\").")
  String system;

  @Option(
      names = "--min-vocab-overlap",
      defaultValue = "0.5",
      description =
          "When the tokenizers differ: smallest share of the cloud's tokens the device must"
              + " share (default ${DEFAULT-VALUE}).")
  double minVocabOverlap;

  @Option(names = "--trace", description = "Write a JSONL trace of the prompts and every step.")
  Path trace;

  @Option(names = "--client-id", defaultValue = "device", description = "Client id (--cloud).")
  String clientId;

  @Option(names = "--token", description = "This client's token (--cloud).")
  String token;

  @Option(names = "--token-file", description = "File holding this client's token (--cloud).")
  Path tokenFile;

  @Option(
      names = "--trust",
      description = "Cloud certificate(s) to trust (PEM/DER or .p12): turns on TLS (--cloud).")
  Path trust;

  @Option(names = "--key-store", description = "This client's PKCS12 key store (mutual TLS).")
  Path keyStore;

  @Option(
      names = "--key-store-password",
      defaultValue = "",
      description = "Password of --key-store (and of a .p12 --trust).")
  String keyStorePassword;

  @Option(names = "--authority", description = "Host name expected in the cloud's certificate.")
  String authority;

  @Option(
      names = "--timeout",
      defaultValue = "120",
      description = "Seconds to wait for any cloud message (default ${DEFAULT-VALUE}).")
  double timeout;

  @Option(
      names = "--stats",
      negatable = true,
      defaultValue = "true",
      description = "Print timing and traffic to stderr (default on).")
  boolean stats;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(contextFile)) {
      throw new IllegalArgumentException("--context-file: no such file: " + contextFile);
    }
    String context = Files.readString(contextFile, StandardCharsets.UTF_8).strip();
    if (context.isEmpty()) {
      throw new IllegalArgumentException("--context-file " + contextFile + " is empty");
    }
    if (prompt.isBlank()) {
      throw new IllegalArgumentException("--prompt is empty");
    }
    SteerParams params = new SteerParams(iterations, alpha, beta, lambda, eta);
    if (!(timeout > 0)) {
      throw new IllegalArgumentException("--timeout must be > 0 seconds, got " + timeout);
    }
    SteerConfig cfg =
        SteerConfig.builder()
            .optRule(closedForm ? SteeringRule.closedForm(params) : SteeringRule.iterative(params))
            .optAda(adaThreshold, adaPatience)
            .optMaxNewTokens(maxTokens)
            .optSampling(temperature, topP, seed)
            .optWire(WireFormat.parse(wire))
            .optSystemPrompt(system)
            .optRaw(raw)
            .optMinVocabOverlap(minVocabOverlap)
            .optTimeout(Duration.ofNanos((long) (timeout * 1e9)))
            .build();
    try (NDManager m = TensorRuntime.newManager();
        SteerModel device = SteerModel.load(deviceModel, m, weightsOption.weights);
        Cloud c = openCloud(m)) {
      try (SteeredGenerator g = new SteeredGenerator(device, c.connector);
          SteerTrace t = trace == null ? null : new SteerTrace(trace)) {
        VocabularyAlignment align = g.alignment(minVocabOverlap);
        if (stats) {
          System.err.printf(
              "steer: vocabularies %s (%d shared tokens, %.1f%% of the cloud's)%s%n",
              align.mode() == VocabularyAlignment.Mode.IDENTICAL
                  ? "identical: the exact method"
                  : "differ: steering on their intersection",
              align.size(),
              100 * align.overlap(),
              raw || device.hasChatTemplate() ? "" : "; the device model has no chat template");
        }
        StreamingDecoder decoder = g.outputTokenizer().newStreamingDecoder();
        PrintStream out = System.out;
        StepListener printer =
            new StepListener() {
              @Override
              public void onPrompts(long[] cloudIds, long[] ctxIds, long[] noctxIds) {
                if (t != null) {
                  t.onPrompts(cloudIds, ctxIds, noctxIds);
                }
              }

              @Override
              public void onToken(int step, long tok, boolean steered) {
                if (t != null) {
                  t.onToken(step, tok, steered);
                }
                out.print(decoder.push(tok));
                out.flush();
              }
            };
        SteerResult r =
            g.generate(prompt, SteeredGenerator.personalize(context, prompt), cfg, printer);
        out.println();
        if (stats) {
          printStats(r, cfg, System.err);
        }
      }
    }
    return 0;
  }

  static void printStats(SteerResult r, SteerConfig cfg, PrintStream err) {
    int n = Math.max(1, r.tokens().length);
    SteerResult.Timing t = r.timing();
    err.printf(
        "steer: %d tokens (%s), %.0f%% steered, %s, wire %s%n"
            + "per token: %.2f ms = wait for the cloud %.2f ms (cloud compute %.2f, wire %.2f)"
            + " + device %.2f ms + steering %.2f ms%n"
            + "traffic: %,d bytes to the cloud, %,d bytes from it (%,.0f per token)%n",
        r.tokens().length,
        r.stopReason(),
        100 * r.steeredShare(),
        cfg.cloudOnly() ? "cloud only" : cfg.rule().describe(),
        cfg.wire(),
        t.totalNanos() / 1e6 / n,
        t.waitNanos() / 1e6 / n,
        t.cloudNanos() / 1e6 / n,
        t.wireNanos() / 1e6 / n,
        t.deviceNanos() / 1e6 / n,
        t.steerNanos() / 1e6 / n,
        r.traffic().bytesUp(),
        r.traffic().bytesDown(),
        r.traffic().bytesDown() / (double) n);
  }

  /** The cloud: a gRPC connector, or an in-process service on a loaded model. */
  private Cloud openCloud(NDManager m) throws Exception {
    if (cloud.model != null) {
      SteerModel model = SteerModel.load(cloud.model, m, weightsOption.weights);
      CloudService service =
          new CloudService(model, CloudServerConfig.builder().optBatching(false).build(), null);
      return new Cloud(
          new InProcessCloudConnector(service, new CloudConnector.Credentials(clientId, "")),
          service,
          model);
    }
    String address = cloud.address;
    int colon = address.lastIndexOf(':');
    int port;
    try {
      port = colon < 1 ? -1 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--cloud: expected host:port, got '" + address + "'");
    }
    if (token != null && tokenFile != null) {
      throw new IllegalArgumentException("give at most one of --token and --token-file");
    }
    String tok =
        tokenFile != null ? Files.readString(tokenFile).strip() : token == null ? "" : token;
    ChannelCredentials credentials = ClientTls.credentials(trust, keyStore, keyStorePassword);
    return new Cloud(
        new GrpcCloudConnector(
            address,
            credentials,
            authority,
            new CloudConnector.Credentials(clientId, tok),
            Duration.ofNanos((long) (timeout * 1e9))),
        null,
        null);
  }

  private record Cloud(CloudConnector connector, CloudService service, SteerModel model)
      implements AutoCloseable {
    @Override
    public void close() {
      connector.close();
      if (service != null) {
        service.close();
      }
      if (model != null) {
        model.close();
      }
    }
  }
}
