/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import io.persona4j.privacy.encoding.FixedPoint;
import io.persona4j.privacy.secagg.CommunicationGraph;
import io.persona4j.privacy.secagg.Messages.AdvertiseKeys;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Messages.Result;
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.secagg.SecAggClient;
import io.persona4j.privacy.secagg.SecAggConfig;
import io.persona4j.privacy.secagg.SecAggServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Secure aggregation (SecAgg, SecAgg+) against plain aggregation: client and server compute time
 * and bytes per client, for several client counts, vector lengths and dropout rates.
 *
 * <p>Inputs are quantized to 16 bits (clip 1, scale 32767) and masked modulo {@code M = 2^(16 +
 * ceil(log2 n))}, the smallest power of two that sums n inputs without wrap-around (as in Bonawitz
 * et al. 2017). SecAgg+ uses a Harary graph of degree {@code k = 2 ceil(log2 n)}; the threshold is
 * a majority of each neighbourhood. Dropped clients leave after sharing keys (before sending their
 * masked input), the case that costs the server most.
 *
 * <p>A cell is run in one of three modes, reported per cell: {@code full} (the complete protocol,
 * every client and the server, with the sum checked), {@code client} (every client advertises and
 * shares keys, client 1's masked input is computed and timed; the server's unmasking is composed),
 * or {@code keys} (only client 1's key sharing is timed; masking and the server are composed). The
 * composed times use per-unit costs measured in this run's largest full cell of the same protocol
 * and dropout rate (per neighbour share, per generated mask element, per server element).
 */
@Command(
    name = "secagg",
    mixinStandardHelpOptions = true,
    description = "SecAgg / SecAgg+ vs plain aggregation: compute time and bytes per client.")
final class SecAggBenchCommand implements Callable<Integer> {
  @Option(names = "--clients", split = ",", description = "client counts (default 10,100,1000)")
  int[] clientCounts = {10, 100, 1000};

  @Option(names = "--dims", split = ",", description = "vector lengths (default 1e4,1e5,1e6)")
  int[] dims = {10_000, 100_000, 1_000_000};

  @Option(names = "--dropouts", split = ",", description = "dropout rates (default 0,0.1)")
  double[] dropouts = {0, 0.1};

  @Option(
      names = "--full-budget",
      description = "largest mask elements (all clients and server) for a full run (default 2.5e9)")
  double fullBudget = 2.5e9;

  @Option(
      names = "--pair-budget",
      description = "largest n x neighbours for running every client's key sharing (default 25000)")
  long pairBudget = 25_000;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  /** Per-unit costs of one protocol and dropout rate, from a full run. */
  private record Calibration(
      double shareNanosPerPair,
      double maskNanosPerElement,
      double unmaskNanosPerPair,
      double serverNanosPerElement,
      long cellElements,
      long shareEntryBytes) {}

  private final Map<String, Calibration> calibrations = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    Map<String, Object> machine = Machine.describeAndPrint();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (double drop : dropouts) { // JIT warm-up, not reported
      cell(false, 10, 10_000, drop);
      cell(true, 10, 10_000, drop);
    }
    System.out.printf(
        "%-7s %5s %8s %4s %4s %3s %-6s %10s %10s %10s %9s %9s %7s %7s %7s%n",
        "proto",
        "n",
        "d",
        "drop",
        "nbrs",
        "bit",
        "mode",
        "client_s",
        "server_s",
        "plain_srv",
        "up_KiB",
        "down_KiB",
        "x_f32",
        "x_16b",
        "x_wire");
    for (int n : clientCounts) {
      for (int d : dims) {
        for (double drop : dropouts) {
          for (boolean plus : new boolean[] {false, true}) {
            Map<String, Object> r = cell(plus, n, d, drop);
            rows.add(r);
            System.out.printf(
                Locale.ROOT,
                "%-7s %5d %8d %4.2f %4d %3d %-6s %10.3f %10.3f %10.4f %9.1f %9.1f %7.3f %7.3f"
                    + " %7.3f%n",
                r.get("protocol"),
                n,
                d,
                drop,
                r.get("neighbours"),
                r.get("bits"),
                r.get("mode"),
                r.get("client_s"),
                r.get("server_s"),
                r.get("plain_server_s"),
                ((Number) r.get("up_bytes")).doubleValue() / 1024,
                ((Number) r.get("down_bytes")).doubleValue() / 1024,
                r.get("expansion_up_vs_f32"),
                r.get("expansion_up_vs_16bit"),
                r.get("expansion_up_wire_vs_f32"));
          }
        }
      }
    }
    if (json != null) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("machine", machine);
      all.put("cells", rows);
      Json.write(json, all);
    }
    return 0;
  }

  private static int ceilLog2(int n) {
    return 32 - Integer.numberOfLeadingZeros(n - 1);
  }

  private Map<String, Object> cell(boolean plus, int n, int d, double drop) {
    int bits = 16 + ceilLog2(n);
    FixedPoint fp = new FixedPoint(1.0, 32767, 1L << bits);
    CommunicationGraph graph =
        plus ? CommunicationGraph.harary(n, 2 * ceilLog2(n), 7) : CommunicationGraph.complete(n);
    int nbrs = graph.neighbors(1).size();
    int threshold = (nbrs + 1) / 2 + 1;
    SecAggConfig cfg = new SecAggConfig(n, threshold, d, fp, graph);
    int dropped = (int) Math.ceil(drop * n);
    int survivors = n - dropped;
    double clientElements = (double) n * (nbrs + 1) * d;
    double serverElements = ((double) 2 * survivors + (double) dropped * nbrs) * d;
    String key = (plus ? "secagg+" : "secagg") + "/" + drop;
    String mode;
    if (clientElements + serverElements <= fullBudget
        && (long) n * nbrs <= pairBudget
        && (double) n * d <= 1.2e8) {
      mode = "full";
    } else if ((long) n * nbrs <= pairBudget) {
      mode = "client";
    } else {
      mode = "keys";
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("protocol", plus ? "secagg+" : "secagg");
    r.put("clients", n);
    r.put("dims", d);
    r.put("dropout", drop);
    r.put("dropped", dropped);
    r.put("neighbours", nbrs);
    r.put("threshold", threshold);
    r.put("bits", bits);
    r.put("mode", mode);
    float[] input = new float[d];
    SplittableRandom rnd = new SplittableRandom(1);
    for (int j = 0; j < d; j++) {
      input[j] = (float) (2 * rnd.nextDouble() - 1);
    }
    Measured m = run(cfg, mode, dropped, input);
    Calibration cal = calibrations.get(key);
    double clientS;
    double serverS;
    if (mode.equals("full")) {
      Calibration c =
          new Calibration(
              m.shareNanos / ((double) n * nbrs),
              m.maskNanos / clientElementsOf(n, dropped, nbrs, d),
              m.unmaskNanos / ((double) survivors * (nbrs + 1)),
              m.serverUnmaskNanos / serverElements,
              (long) (clientElements + serverElements),
              m.shareEntryBytes);
      if (cal == null || c.cellElements() >= cal.cellElements()) {
        calibrations.put(key, c);
      }
      clientS = m.clientMeanNanos / 1e9;
      serverS = m.serverNanos / 1e9;
      r.put("max_error", m.maxError);
    } else {
      if (cal == null) {
        throw new IllegalStateException("no full run of " + key + " to compose " + n + "x" + d);
      }
      double shareNs = m.shareNanos; // client 1, measured in both partial modes
      double maskNs =
          mode.equals("client") ? m.maskNanos : cal.maskNanosPerElement() * (double) (nbrs + 1) * d;
      double unmaskNs = cal.unmaskNanosPerPair() * (nbrs + 1);
      clientS = (m.advertiseNanos + shareNs + maskNs + unmaskNs) / 1e9;
      serverS =
          (cal.serverNanosPerElement() * serverElements + m.serverNanos) / 1e9; // + measured part
      m.shareEntryBytes = cal.shareEntryBytes();
    }
    long plainNanos = plainSum(n - dropped, input);
    // Bytes of client 1 (every client has the same neighbourhood size).
    long up =
        m.advertiseBytes
            + m.shareKeysBytes
            + SecAggSizes.maskedCompact(d, bits)
            + 12
            + (long) (nbrs + 1) * m.shareEntryBytes;
    long upWire =
        SecAggSizes.wireUp(m.advertiseBytes)
            + SecAggSizes.wireUp(m.shareKeysBytes)
            + SecAggSizes.wireUp(SecAggSizes.maskedWire(d, bits))
            + SecAggSizes.wireUp(12 + (long) (nbrs + 1) * m.shareEntryBytes);
    long survivorListBytes = 4 + 4L * survivors;
    long down = m.directoryBytes + m.deliveryBytes + survivorListBytes;
    long downWire =
        SecAggSizes.wireDown(m.directoryBytes)
            + SecAggSizes.wireDown(m.deliveryBytes)
            + SecAggSizes.wireDown(survivorListBytes);
    long plainUp = 4L * d;
    r.put("client_s", clientS);
    r.put("server_s", serverS);
    r.put("plain_server_s", plainNanos / 1e9);
    r.put("plain_client_s", 0.0);
    r.put("up_bytes", up);
    r.put("down_bytes", down);
    r.put("up_bytes_wire", upWire);
    r.put("down_bytes_wire", downWire);
    r.put("plain_up_bytes_f32", plainUp);
    r.put("plain_up_bytes_16bit", 2L * d);
    r.put("expansion_up_vs_f32", (double) up / plainUp);
    r.put("expansion_up_vs_16bit", (double) up / (2.0 * d));
    r.put("expansion_total_vs_f32", (double) (up + down + 4L * d) / (2.0 * plainUp));
    r.put("expansion_up_wire_vs_f32", (double) upWire / plainUp);
    r.put("server_vs_plain_time", serverS / (plainNanos / 1e9));
    return r;
  }

  private static double clientElementsOf(int n, int dropped, int nbrs, int d) {
    return (double) (n - dropped) * (nbrs + 1) * d;
  }

  /** Timings (nanoseconds) and client 1's message sizes of one (possibly partial) run. */
  private static final class Measured {
    double advertiseNanos; // client 1 (partial) or mean (full)
    double shareNanos; // total over clients (full) or client 1 (partial)
    double maskNanos; // total over clients (full) or client 1 (client mode)
    double unmaskNanos; // total over clients (full)
    double clientMeanNanos;
    double serverNanos;
    double serverUnmaskNanos;
    long advertiseBytes;
    long shareKeysBytes;
    long directoryBytes;
    long deliveryBytes;
    long shareEntryBytes;
    double maxError = Double.NaN;
  }

  private static Measured run(SecAggConfig cfg, String mode, int dropped, float[] input) {
    int n = cfg.clients();
    boolean full = mode.equals("full");
    Measured m = new Measured();
    SecAggServer server = new SecAggServer(cfg);
    SecAggClient[] clients = new SecAggClient[n + 1];
    long[] clientNanos = new long[n + 1];
    long serverNanos = 0;
    for (int i = 1; i <= n; i++) {
      clients[i] = new SecAggClient(cfg, i);
      long t0 = System.nanoTime();
      AdvertiseKeys a = clients[i].advertiseKeys();
      long t1 = System.nanoTime();
      server.receive(a);
      serverNanos += System.nanoTime() - t1;
      clientNanos[i] += t1 - t0;
      if (i == 1) {
        m.advertiseBytes = SecAggSizes.of(a);
        m.advertiseNanos = t1 - t0;
      }
    }
    long t = System.nanoTime();
    KeyDirectory dir = server.closeAdvertiseKeys();
    serverNanos += System.nanoTime() - t;
    m.directoryBytes = SecAggSizes.of(dir);
    for (int i = 1; i <= (mode.equals("keys") ? 1 : n); i++) {
      long t0 = System.nanoTime();
      ShareKeys s = clients[i].shareKeys(dir);
      long t1 = System.nanoTime();
      clientNanos[i] += t1 - t0;
      if (full || i == 1) {
        m.shareNanos += t1 - t0;
      }
      if (i == 1) {
        m.shareKeysBytes = SecAggSizes.of(s);
        m.deliveryBytes = m.shareKeysBytes; // symmetric: one ciphertext from each neighbour
      }
      if (!mode.equals("keys")) {
        server.receive(s);
        serverNanos += System.nanoTime() - t1;
      }
    }
    if (mode.equals("keys")) {
      m.serverNanos = serverNanos;
      return m;
    }
    t = System.nanoTime();
    server.closeShareKeys();
    serverNanos += System.nanoTime() - t;
    int survivors = n - dropped;
    for (int i = 1; i <= (full ? survivors : 1); i++) {
      long t0 = System.nanoTime();
      ShareDelivery del = server.deliveryFor(i);
      long t1 = System.nanoTime();
      MaskedInput mi = clients[i].maskedInput(del, input);
      long t2 = System.nanoTime();
      serverNanos += t1 - t0;
      clientNanos[i] += t2 - t1;
      m.maskNanos += t2 - t1;
      if (i == 1) {
        m.deliveryBytes = SecAggSizes.of(del);
      }
      if (full) {
        server.receive(mi);
        serverNanos += System.nanoTime() - t2;
      }
    }
    if (!full) {
      m.serverNanos = serverNanos;
      return m;
    }
    t = System.nanoTime();
    SurvivorList list = server.closeMaskedInput();
    serverNanos += System.nanoTime() - t;
    for (int i : list.maskedInputSenders()) {
      long t0 = System.nanoTime();
      UnmaskShares u = clients[i].unmask(list);
      long t1 = System.nanoTime();
      server.receive(u);
      serverNanos += System.nanoTime() - t1;
      clientNanos[i] += t1 - t0;
      m.unmaskNanos += t1 - t0;
      if (i == 1) {
        int entries = u.selfMaskSeedShares().size() + u.maskingKeyShares().size();
        m.shareEntryBytes = (SecAggSizes.of(u) - 12) / entries;
      }
    }
    t = System.nanoTime();
    Result res = server.closeUnmasking();
    m.serverUnmaskNanos = System.nanoTime() - t;
    serverNanos += m.serverUnmaskNanos;
    m.serverNanos = serverNanos;
    long total = 0;
    for (int i = 1; i <= survivors; i++) {
      total += clientNanos[i];
    }
    m.clientMeanNanos = (double) total / survivors;
    double[] sum = res.sum();
    double err = 0;
    double tol = survivors * (0.5 / 32767) + 1e-6;
    for (int j = 0; j < sum.length; j++) {
      double want =
          survivors * cfg.fixedPoint().decode(cfg.fixedPoint().encode(new float[] {input[j]}))[0];
      err = Math.max(err, Math.abs(sum[j] - want));
    }
    if (err > tol) {
      throw new IllegalStateException("secure sum differs from the plain sum by " + err);
    }
    m.maxError = err;
    return m;
  }

  /** Server time of a plain float32 sum of {@code n} vectors like {@code input}. */
  private static long plainSum(int n, float[] input) {
    float[] acc = new float[input.length];
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < acc.length; j++) {
        acc[j] += input[j];
      }
    }
    long t = System.nanoTime() - t0;
    if (Float.isNaN(acc[0])) {
      throw new IllegalStateException("NaN");
    }
    return t;
  }
}
