package io.persona4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.core.chart.LineChart;
import io.persona4j.core.chart.Png;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Per-round metrics of a federated run, read from its JSONL accounting log, and a headless Java2D
 * PNG with two line charts ({@link LineChart}): the mean client training loss and the kilobytes
 * exchanged per round.
 */
final class FedChart {

  /** One successful round: mean loss over the clients that reported one (NaN if none), bytes. */
  record Point(int round, double loss, long bytes) {}

  private static final int W = 460;
  private static final int H = 360;
  private static final Color LOSS = new Color(40, 110, 190);
  private static final Color BYTES = new Color(200, 90, 40);

  private FedChart() {}

  /** The last successful ({@code "status": "ok"}) record of every round, by round. */
  static List<Point> read(Path log) throws IOException {
    TreeMap<Integer, Point> byRound = new TreeMap<>();
    long lineNo = 0;
    for (String line : Files.readAllLines(log)) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = Json.MAPPER.readTree(line);
      } catch (IOException e) {
        throw new IOException(log + ": line " + lineNo + ": not JSON: " + e.getMessage(), e);
      }
      if (!"ok".equals(n.path("status").asText())) {
        continue;
      }
      int round = n.path("round").asInt();
      double loss = 0;
      int k = 0;
      for (JsonNode c : n.path("clients")) {
        if (c.has("loss") && "ok".equals(c.path("status").asText())) {
          loss += c.path("loss").asDouble();
          k++;
        }
      }
      long bytes = n.path("bytesUp").asLong() + n.path("bytesDown").asLong();
      byRound.put(round, new Point(round, k == 0 ? Double.NaN : loss / k, bytes));
    }
    return new ArrayList<>(byRound.values());
  }

  /** Writes the two-panel PNG (atomically): mean client loss and kB exchanged per round. */
  static void write(Path png, List<Point> points) throws IOException {
    double[] rounds = new double[points.size()];
    double[] loss = new double[points.size()];
    double[] kb = new double[points.size()];
    for (int i = 0; i < loss.length; i++) {
      rounds[i] = points.get(i).round();
      loss[i] = points.get(i).loss();
      kb[i] = points.get(i).bytes() / 1000.0;
    }
    Png.write(
        png,
        Png.sideBySide(
            LineChart.render(
                "mean client training loss",
                "round",
                "loss",
                List.of(new LineChart.Series("loss", LOSS, rounds, loss, true)),
                W,
                H),
            LineChart.render(
                "kB exchanged per round",
                "round",
                "kB",
                List.of(new LineChart.Series("up + down", BYTES, rounds, kb, true)),
                W,
                H)));
  }
}
