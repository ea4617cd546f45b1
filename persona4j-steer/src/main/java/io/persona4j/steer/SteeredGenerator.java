/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.Sampler;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.DeviceSession;
import io.persona4j.steer.proto.CloudInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * CoSteer on the device: opens a session with the query only, runs the device model on two streams
 * (with and without the private context, each with its own KV cache), and per token combines the
 * cloud's distribution with the device's delta, chooses the token, appends it to all three streams
 * (the cloud's by sending it) and stops at EOS or the token limit. The private context never leaves
 * this object: the cloud receives the query text and the chosen token ids.
 *
 * <p>One instance per device model and cloud; {@link #generate} may be called repeatedly, from one
 * thread at a time per call (several concurrent calls each open their own session).
 */
public final class SteeredGenerator implements AutoCloseable {
  private final SteerModel device;
  private final CloudConnector cloud;
  private final CloudInfo info;
  private final Vocabulary cloudVocabulary;
  private final Tokenizer cloudTokenizer; // null when the tokenizers are the same file
  private final Path tempDir;

  /**
   * Asks the cloud for its vocabulary and checks it against the device's.
   *
   * @throws IOException when the cloud's tokenizer cannot be read
   */
  public SteeredGenerator(SteerModel device, CloudConnector cloud) throws IOException {
    this.device = device;
    this.cloud = cloud;
    this.info = cloud.describe();
    byte[] own = Files.readAllBytes(device.tokenizer().source());
    if (sha256(own).equals(info.getTokenizerSha256())) {
      this.tempDir = null;
      this.cloudTokenizer = null;
      this.cloudVocabulary =
          new Vocabulary(
              device.vocabulary().tokens(),
              info.getLogitWidth(),
              eos(info),
              "cloud model " + info.getModelFingerprint());
    } else {
      this.tempDir = Files.createTempDirectory("persona4j-cloud-tokenizer");
      Path file = tempDir.resolve("tokenizer.json");
      Files.write(file, info.getTokenizerJson().toByteArray());
      this.cloudTokenizer = Tokenizer.load(file);
      this.cloudVocabulary =
          new Vocabulary(
              Vocabulary.of(cloudTokenizer, info.getLogitWidth(), "cloud").tokens(),
              info.getLogitWidth(),
              eos(info),
              "cloud model " + info.getModelFingerprint());
    }
    if (cloudVocabulary.size() != info.getVocabSize()) {
      throw new IOException(
          "the cloud describes "
              + info.getVocabSize()
              + " ids but its tokenizer has "
              + cloudVocabulary.size());
    }
  }

  /** The tokenizer that decodes generated (cloud) ids. */
  public Tokenizer outputTokenizer() {
    return cloudTokenizer != null ? cloudTokenizer : device.tokenizer();
  }

  /** The cloud's public facts. */
  public CloudInfo cloudInfo() {
    return info;
  }

  /** How the two vocabularies align under {@code minOverlap} (fails if they cannot). */
  public VocabularyAlignment alignment(double minOverlap) {
    return VocabularyAlignment.of(cloudVocabulary, device.vocabulary(), minOverlap);
  }

  /**
   * Generates an answer to {@code query}, steered by the device's reading of {@code
   * personalizedQuery} (the query with the private context, e.g. {@link #personalize}).
   *
   * @throws SteerSessionException when the session ends abnormally (the reason says which side and
   *     why)
   */
  public SteerResult generate(
      String query, String personalizedQuery, SteerConfig cfg, StepListener listener)
      throws InterruptedException {
    VocabularyAlignment align = alignment(cfg.minVocabOverlap());
    long[] ctxIds = device.promptIds(cfg.systemPrompt(), personalizedQuery, cfg.raw());
    long[] noctxIds = device.promptIds(cfg.systemPrompt(), query, cfg.raw());
    int capacity = ctxIds.length + cfg.maxNewTokens();
    if (!cfg.cloudOnly() && capacity > device.maxPositions()) {
      throw new IllegalArgumentException(
          "the device prompt with context ("
              + ctxIds.length
              + " tokens) + "
              + cfg.maxNewTokens()
              + " new tokens exceed the device model's "
              + device.maxPositions()
              + " positions");
    }
    long start = System.nanoTime();
    long deviceNanos = 0;
    long steerNanos = 0;
    long[] tokens = new long[cfg.maxNewTokens()];
    boolean[] steered = new boolean[cfg.maxNewTokens()];
    int n = 0;
    String stop;
    Sampler sampler =
        new Sampler(
            new SamplingConfig(
                cfg.maxNewTokens(), cfg.temperature(), 0, cfg.topP(), 1f, Set.of(), cfg.seed()),
            new SplittableRandom(cfg.seed()));
    AdaptiveGate gate =
        cfg.adaptive() && !cfg.cloudOnly()
            ? new AdaptiveGate(cfg.adaThreshold(), cfg.adaPatience())
            : null;
    var cred = cloud.credentials();
    try (NDManager m = TensorRuntime.newManager();
        DeviceSession session =
            new DeviceSession(cloud.openLink(), cloudVocabulary.size(), cfg.timeout());
        DeviceStreams streams =
            new DeviceStreams(m, capacity, noctxIds.length + cfg.maxNewTokens())) {
      long[] cloudIds =
          session.open(
              cred.clientId(),
              cred.token(),
              query,
              cfg.systemPrompt(),
              cfg.raw(),
              cfg.wire(),
              cfg.maxNewTokens());
      listener.onPrompts(cloudIds, ctxIds, noctxIds);
      int limit = session.maxNewTokens();
      long lastDevice = -1;
      while (true) {
        float[] piCloud = session.awaitDistribution(); // [cloud vocab]
        if (align.mode() == VocabularyAlignment.Mode.INTERSECTION
            && eosProbability(piCloud) > VocabularyAlignment.EOS_FORCE_STOP) {
          stop = "eos_force";
          break;
        }
        boolean steer =
            !cfg.cloudOnly() && (gate == null || gate.observe(AdaptiveGate.uncertainty(piCloud)));
        long t0 = System.nanoTime();
        float[] piSlots = align.gatherCloud(piCloud); // [K]
        NDArray delta = null;
        try (NDManager step = m.newSubManager()) {
          NDArray pi = step.create(piSlots); // [K]
          if (align.mode() == VocabularyAlignment.Mode.INTERSECTION) {
            pi = pi.logSoftmax(-1); // renormalized on the shared tokens
          }
          if (steer) {
            DecodeStream ctx = streams.ctx();
            DecodeStream noctx = streams.noctx();
            float[] zc = lastDevice < 0 ? ctx.prefill(ctxIds) : ctx.append(lastDevice);
            float[] zn = lastDevice < 0 ? noctx.prefill(noctxIds) : noctx.append(lastDevice);
            delta =
                step.create(align.gatherDevice(zc))
                    .logSoftmax(-1)
                    .sub(step.create(align.gatherDevice(zn)).logSoftmax(-1)); // [K]
            long t1 = System.nanoTime();
            deviceNanos += t1 - t0;
            t0 = t1;
          }
          float[] policy = steer ? cfg.rule().apply(pi, delta).toFloatArray() : pi.toFloatArray();
          int slot = (int) sampler.next(policy, new long[0], 0);
          tokens[n] = align.cloudId(slot);
          steered[n] = steer;
          lastDevice = steer ? align.deviceId(slot) : -1;
          steerNanos += System.nanoTime() - t0;
        }
        listener.onToken(n, tokens[n], steered[n]);
        n++;
        if (cloudVocabulary.isEos(tokens[n - 1])) {
          stop = "eos";
          break;
        }
        if (n >= limit) {
          stop = "max_tokens";
          break;
        }
        if (!steer) {
          lastDevice = -2; // the device streams are not advanced any more (gate off)
        }
        session.sendToken(tokens[n - 1]);
      }
      session.close(stop);
      long[] out = Arrays.copyOf(tokens, n);
      Tokenizer tok = cloudTokenizer != null ? cloudTokenizer : device.tokenizer();
      return new SteerResult(
          out,
          tok.decode(out, true),
          Arrays.copyOf(steered, n),
          stop,
          cloudIds,
          ctxIds,
          noctxIds,
          align.mode(),
          new SteerResult.Timing(
              System.nanoTime() - start,
              session.waitNanos(),
              session.cloudMicros() * 1000,
              deviceNanos,
              steerNanos),
          new SteerResult.Traffic(
              session.bytesUp(), session.bytesDown(), session.messagesUp(), session.messagesDown()),
          streams.forwardCalls());
    }
  }

  /** The device's two streams, allocated when the device first runs (never in cloud-only mode). */
  private final class DeviceStreams implements AutoCloseable {
    private final NDManager manager;
    private final int ctxCapacity;
    private final int noctxCapacity;
    private DecodeStream ctx;
    private DecodeStream noctx;

    DeviceStreams(NDManager manager, int ctxCapacity, int noctxCapacity) {
      this.manager = manager;
      this.ctxCapacity = ctxCapacity;
      this.noctxCapacity = noctxCapacity;
    }

    DecodeStream ctx() {
      if (ctx == null) {
        ctx = new DecodeStream(device.model(), manager, ctxCapacity);
      }
      return ctx;
    }

    DecodeStream noctx() {
      if (noctx == null) {
        noctx = new DecodeStream(device.model(), manager, noctxCapacity);
      }
      return noctx;
    }

    long forwardCalls() {
      return (ctx == null ? 0 : ctx.forwardCalls()) + (noctx == null ? 0 : noctx.forwardCalls());
    }

    @Override
    public void close() {
      if (ctx != null) {
        ctx.close();
      }
      if (noctx != null) {
        noctx.close();
      }
    }
  }

  /** The private context and the query as one user message: context, a blank line, the query. */
  public static String personalize(String context, String query) {
    return context.strip() + "\n\n" + query;
  }

  private double eosProbability(float[] piCloud) {
    double p = 0;
    for (long e : cloudVocabulary.eosIds()) {
      p += Math.exp(piCloud[(int) e]);
    }
    return p;
  }

  private static long[] eos(CloudInfo info) {
    return info.getEosIdsList().stream().mapToLong(Integer::toUnsignedLong).toArray();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** Frees the cloud tokenizer copy (the device model and the connector belong to the caller). */
  @Override
  public void close() {
    if (cloudTokenizer != null) {
      cloudTokenizer.close();
    }
    if (tempDir != null) {
      try (var files = Files.list(tempDir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
        Files.deleteIfExists(tempDir);
      } catch (IOException e) {
        // a temp file left behind is harmless
      }
    }
  }
}
