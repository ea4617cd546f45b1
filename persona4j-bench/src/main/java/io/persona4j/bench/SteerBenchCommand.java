/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDManager;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.steer.SteerConfig;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.SteerParams;
import io.persona4j.steer.SteerResult;
import io.persona4j.steer.SteeredGenerator;
import io.persona4j.steer.SteeringRule;
import io.persona4j.steer.StepListener;
import io.persona4j.steer.cloud.CloudServer;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.wire.WireFormat;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench steer}: CoSteer over gRPC on loopback with a random Llama-shaped cloud and device
 * pair sharing one tokenizer: per-token latency of steered decoding against cloud-only decoding
 * (split into the wait for the cloud, the cloud's own compute, the wire, the device's forward
 * passes and the steering), protobuf bytes per token for each wire format, and the cloud's token
 * throughput with 1, 8 and 32 concurrent sessions, batched and one at a time, in the same run.
 */
@Command(
    name = "steer",
    mixinStandardHelpOptions = true,
    description =
        "CoSteer over loopback gRPC: per-token latency (steered vs cloud-only, split), bytes per"
            + " token per wire format, cloud throughput with concurrent sessions.")
public final class SteerBenchCommand implements Callable<Integer> {
  @Option(names = "--cloud-layers", defaultValue = "8")
  int cloudLayers;

  @Option(names = "--cloud-hidden", defaultValue = "512")
  int cloudHidden;

  @Option(names = "--device-layers", defaultValue = "2")
  int deviceLayers;

  @Option(names = "--device-hidden", defaultValue = "128")
  int deviceHidden;

  @Option(names = "--vocab", defaultValue = "32000", description = "Llama 2's vocabulary size")
  int vocab;

  @Option(names = "--tokens", defaultValue = "32", description = "tokens per session")
  int tokens;

  @Option(names = "--runs", defaultValue = "5", description = "timed sessions per configuration")
  int runs;

  @Option(names = "--warmup", defaultValue = "2", description = "untimed sessions first")
  int warmup;

  @Option(names = "--concurrency", split = ",", defaultValue = "1,8,32")
  List<Integer> concurrency;

  @Option(names = "--throughput-tokens", defaultValue = "24", description = "tokens per session")
  int throughputTokens;

  @Option(
      names = "--throughput-rounds",
      defaultValue = "3",
      description = "alternating rounds of serial and batched runs per concurrency")
  int throughputRounds;

  @Option(
      names = "--parts",
      split = ",",
      defaultValue = "latency,bytes,throughput",
      description = "which measurements (default: ${DEFAULT-VALUE})")
  List<String> parts;

  @Option(names = "--json", description = "also write the results here")
  Path json;

  static final String QUERY = "Recommend a movie for tonight, something like the ones I liked.";
  static final String PERSONALIZED =
      "Here are movies I watched: Alien (1979), Heat (1995), Fargo (1996), Se7en (1995), The"
          + " Thing (1982).\n\n"
          + QUERY;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("persona4j-bench-steer");
    Path cloudDir = dir.resolve("cloud");
    Path deviceDir = dir.resolve("device");
    LlamaConfig cc =
        ModelInit.decoderConfig("llama", cloudLayers, cloudHidden, 8, 4, vocab, 0, 1024);
    LlamaConfig dc =
        ModelInit.decoderConfig("llama", deviceLayers, deviceHidden, 4, 2, vocab, 0, 1024);
    ModelInit.write(cc, 1, 0.02f, DType.F32, cloudDir);
    ModelInit.write(dc, 2, 0.02f, DType.F32, deviceDir);
    Files.copy(
        cloudDir.resolve("tokenizer.json"),
        deviceDir.resolve("tokenizer.json"),
        StandardCopyOption.REPLACE_EXISTING);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("machine", Machine.describe());
    out.put("load_average_start", load());
    out.put(
        "models",
        Map.of(
            "cloud",
                Map.of("layers", cloudLayers, "hidden", cloudHidden, "params", cc.parameterCount()),
            "device",
                Map.of(
                    "layers", deviceLayers, "hidden", deviceHidden, "params", dc.parameterCount()),
            "vocab", vocab));
    try (NDManager m = TensorRuntime.newManager();
        SteerModel cloud = SteerModel.load(cloudDir, m);
        SteerModel device = SteerModel.load(deviceDir, m)) {
      if (parts.contains("latency")) {
        out.put("latency", latency(cloud, device));
      }
      if (parts.contains("bytes")) {
        out.put("bytes_per_token", bytes(cloud, device));
      }
      if (parts.contains("throughput")) {
        out.put("throughput", throughput(cloud, device));
      }
    }
    out.put("load_average_end", load());
    if (json != null) {
      Json.write(json, out);
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    return 0;
  }

  private static double load() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os.getSystemLoadAverage();
  }

  private static CloudServer serve(SteerModel cloud, boolean batching) throws Exception {
    CloudServerConfig config =
        CloudServerConfig.builder()
            .optBatching(batching)
            .optMaxSessions(64)
            .optMaxBatch(32)
            .build();
    return CloudServer.start(
        new CloudService(cloud, config, null), InsecureServerCredentials.create());
  }

  private static GrpcCloudConnector connect(CloudServer server) {
    return new GrpcCloudConnector(
        "127.0.0.1:" + server.port(),
        InsecureChannelCredentials.create(),
        null,
        new CloudConnector.Credentials("bench", ""),
        Duration.ofSeconds(120));
  }

  private SteerConfig base() {
    return SteerConfig.builder().optMaxNewTokens(tokens).optRaw(true).build();
  }

  /** Median per-token split of steered and cloud-only sessions on one server. */
  private Map<String, Object> latency(SteerModel cloud, SteerModel device) throws Exception {
    SteeringRule closed = SteeringRule.closedForm(SteerParams.DEFAULTS);
    Map<String, SteerConfig> configs = new LinkedHashMap<>();
    configs.put("cloud-only f32", base().withCloudOnly(true));
    configs.put("CoSteer iterative f32", base());
    configs.put("CoSteer closed form f32", base().withRule(closed));
    configs.put("CoSteer closed form f16", base().withRule(closed).withWire(WireFormat.F16));
    configs.put(
        "CoSteer closed form topk:256", base().withRule(closed).withWire(WireFormat.topK(256)));
    Map<String, Object> result = new LinkedHashMap<>();
    System.out.printf(
        "%nper-token latency over loopback gRPC, median of %d sessions of %d tokens each,"
            + " configurations interleaved (ms)%n",
        runs, tokens);
    System.out.printf(
        "%-30s %8s %8s %8s %8s %8s %8s %8s%n",
        "configuration", "total", "wait", "cloud", "wire", "device", "steer", "ratio");
    double baseline = 0;
    try (CloudServer server = serve(cloud, true);
        GrpcCloudConnector c = connect(server);
        SteeredGenerator g = new SteeredGenerator(device, c)) {
      for (int i = 0; i < warmup; i++) {
        for (SteerConfig cfg : configs.values()) {
          g.generate(QUERY, PERSONALIZED, cfg, StepListener.NONE);
        }
      }
      // round robin: every configuration sees the same stretches of machine load
      Map<String, List<double[]>> samples = new LinkedHashMap<>();
      for (int i = 0; i < runs; i++) {
        for (var e : configs.entrySet()) {
          SteerResult r = g.generate(QUERY, PERSONALIZED, e.getValue(), StepListener.NONE);
          double n = r.tokens().length;
          SteerResult.Timing t = r.timing();
          samples
              .computeIfAbsent(e.getKey(), k -> new ArrayList<>())
              .add(
                  new double[] {
                    t.totalNanos() / 1e6 / n,
                    t.waitNanos() / 1e6 / n,
                    t.cloudNanos() / 1e6 / n,
                    t.wireNanos() / 1e6 / n,
                    t.deviceNanos() / 1e6 / n,
                    t.steerNanos() / 1e6 / n
                  });
        }
      }
      for (var e : samples.entrySet()) {
        double[] med = new double[6];
        for (int k = 0; k < 6; k++) {
          final int kk = k;
          double[] col = e.getValue().stream().mapToDouble(x -> x[kk]).sorted().toArray();
          med[k] = col[col.length / 2];
        }
        if (baseline == 0) {
          baseline = med[0];
        }
        double ratio = med[0] / baseline;
        System.out.printf(
            Locale.ROOT,
            "%-30s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f%n",
            e.getKey(),
            med[0],
            med[1],
            med[2],
            med[3],
            med[4],
            med[5],
            ratio);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("total_ms", med[0]);
        row.put("wait_ms", med[1]);
        row.put("cloud_ms", med[2]);
        row.put("wire_ms", med[3]);
        row.put("device_ms", med[4]);
        row.put("steer_ms", med[5]);
        row.put("ratio_to_cloud_only", ratio);
        result.put(e.getKey(), row);
      }
    }
    return result;
  }

  /** Protobuf bytes per generated token, each direction, per wire format. */
  private Map<String, Object> bytes(SteerModel cloud, SteerModel device) throws Exception {
    List<WireFormat> wires =
        List.of(
            WireFormat.F32,
            WireFormat.F16,
            WireFormat.BF16,
            WireFormat.topK(64),
            WireFormat.topK(256),
            WireFormat.topK(1024));
    Map<String, Object> result = new LinkedHashMap<>();
    System.out.printf("%nbytes per token (protobuf messages; V = %d)%n", vocab);
    System.out.printf(
        "%-12s %14s %12s %14s%n", "wire", "cloud->device", "device->cloud", "payload");
    try (CloudServer server = serve(cloud, true);
        GrpcCloudConnector c = connect(server);
        SteeredGenerator g = new SteeredGenerator(device, c)) {
      for (WireFormat w : wires) {
        SteerResult r =
            g.generate(
                QUERY,
                PERSONALIZED,
                base().withRule(SteeringRule.closedForm(SteerParams.DEFAULTS)).withWire(w),
                StepListener.NONE);
        double n = r.tokens().length;
        double down = r.traffic().bytesDown() / n;
        double up = r.traffic().bytesUp() / n;
        System.out.printf(
            Locale.ROOT, "%-12s %14.0f %12.1f %14d%n", w, down, up, w.payloadBytes(vocab));
        result.put(
            w.toString(),
            Map.of("down_per_token", down, "up_per_token", up, "payload", w.payloadBytes(vocab)));
      }
    }
    return result;
  }

  /**
   * Cloud tokens/s with concurrent cloud-only sessions, batched and one at a time: both servers run
   * side by side, each warmed up, then {@code --throughput-rounds} rounds alternate their order (so
   * both see the same stretches of machine load); medians over rounds.
   */
  private Map<String, Object> throughput(SteerModel cloud, SteerModel device) throws Exception {
    Map<String, Object> result = new LinkedHashMap<>();
    System.out.printf(
        "%ncloud throughput (tokens/s over all sessions; cloud-only sessions, topk:64 wire, %d"
            + " tokens each; median of %d alternating rounds)%n",
        throughputTokens, throughputRounds);
    System.out.printf("%-12s %14s %14s %8s%n", "sessions", "one at a time", "batched", "ratio");
    SteerConfig cfg =
        SteerConfig.builder()
            .optMaxNewTokens(throughputTokens)
            .optRaw(true)
            .optCloudOnly(true)
            .optWire(WireFormat.topK(64))
            .build();
    for (int n : concurrency) {
      List<List<Double>> tps = List.of(new ArrayList<>(), new ArrayList<>());
      List<Double> ratios = new ArrayList<>();
      try (CloudServer serial = serve(cloud, false);
          CloudServer batched = serve(cloud, true);
          GrpcCloudConnector cs = connect(serial);
          GrpcCloudConnector cb = connect(batched);
          SteeredGenerator gs = new SteeredGenerator(device, cs);
          SteeredGenerator gb = new SteeredGenerator(device, cb)) {
        List<SteeredGenerator> gens = List.of(gs, gb);
        for (SteeredGenerator g : gens) {
          g.generate(QUERY, PERSONALIZED, cfg, StepListener.NONE); // warm up
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
          for (int r = 0; r < throughputRounds; r++) {
            double[] round = new double[2];
            for (int k = 0; k < 2; k++) {
              int b = r % 2 == 0 ? k : 1 - k;
              SteeredGenerator g = gens.get(b);
              long t0 = System.nanoTime();
              List<Future<SteerResult>> fs = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                fs.add(pool.submit(() -> g.generate(QUERY, PERSONALIZED, cfg, StepListener.NONE)));
              }
              long total = 0;
              for (Future<SteerResult> f : fs) {
                total += f.get().tokens().length;
              }
              round[b] = total / ((System.nanoTime() - t0) / 1e9);
              tps.get(b).add(round[b]);
            }
            ratios.add(round[1] / round[0]);
          }
        } finally {
          pool.shutdown();
        }
      }
      double serialTps = median(tps.get(0));
      double batchedTps = median(tps.get(1));
      double ratio = median(ratios);
      System.out.printf(
          Locale.ROOT,
          "%-12d %14.1f %14.1f %8.2f   (ratio per round: %s)%n",
          n,
          serialTps,
          batchedTps,
          ratio,
          ratios.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList());
      result.put(
          Integer.toString(n),
          Map.of(
              "serial_tokens_per_s",
              serialTps,
              "batched_tokens_per_s",
              batchedTps,
              "ratio",
              ratio,
              "ratio_per_round",
              ratios,
              "serial_per_round",
              tps.get(0),
              "batched_per_round",
              tps.get(1)));
    }
    return result;
  }

  private static double median(List<Double> xs) {
    double[] v = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
}
