package io.persona4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Per-round metrics of a federated run, read from its JSONL accounting log, and a headless Java2D
 * PNG with two line charts: the mean client training loss and the kilobytes exchanged per round.
 */
final class FedChart {

  /** One successful round: mean loss over the clients that reported one (NaN if none), bytes. */
  record Point(int round, double loss, long bytes) {}

  private static final int W = 460;
  private static final int H = 360;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 45;
  private static final int BOTTOM = 50;

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

  /** Writes the two-panel PNG (atomically). */
  static void write(Path png, List<Point> points) throws IOException {
    BufferedImage img = new BufferedImage(2 * W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 2 * W, H);
      double[] loss = new double[points.size()];
      double[] kb = new double[points.size()];
      int[] rounds = new int[points.size()];
      for (int i = 0; i < loss.length; i++) {
        rounds[i] = points.get(i).round();
        loss[i] = points.get(i).loss();
        kb[i] = points.get(i).bytes() / 1000.0;
      }
      panel(g, 0, "mean client training loss", rounds, loss, new Color(40, 110, 190));
      panel(g, W, "kB exchanged per round", rounds, kb, new Color(200, 90, 40));
    } finally {
      g.dispose();
    }
    Path abs = png.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
    ImageIO.write(img, "png", tmp.toFile());
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void panel(
      Graphics2D g, int x0, String title, int[] rounds, double[] y, Color color) {
    int plotW = W - LEFT - RIGHT;
    int plotH = H - TOP - BOTTOM;
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    FontMetrics fm = g.getFontMetrics();
    g.drawString(title, x0 + (W - fm.stringWidth(title)) / 2, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    fm = g.getFontMetrics();
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : y) {
      if (Double.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!Double.isFinite(lo)) {
      g.drawString("(no values)", x0 + LEFT + plotW / 2 - 30, TOP + plotH / 2);
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-12) {
      double pad = Math.max(Math.abs(hi) * 0.05, 1e-3);
      lo -= pad;
      hi += pad;
    }
    int rMin = rounds.length == 0 ? 1 : rounds[0];
    int rMax = rounds.length == 0 ? 1 : rounds[rounds.length - 1];
    int span = Math.max(1, rMax - rMin);
    for (int t = 0; t <= 4; t++) {
      double v = lo + (hi - lo) * t / 4;
      int py = TOP + plotH - (int) Math.round((v - lo) / (hi - lo) * plotH);
      g.setColor(new Color(225, 225, 225));
      g.drawLine(x0 + LEFT, py, x0 + LEFT + plotW, py);
      g.setColor(Color.DARK_GRAY);
      String s = String.format(Locale.ROOT, "%.3g", v);
      g.drawString(s, x0 + LEFT - 6 - fm.stringWidth(s), py + 4);
    }
    g.setColor(Color.BLACK);
    g.drawLine(x0 + LEFT, TOP, x0 + LEFT, TOP + plotH);
    g.drawLine(x0 + LEFT, TOP + plotH, x0 + LEFT + plotW, TOP + plotH);
    int step = Math.max(1, span / 10);
    for (int r = rMin; r <= rMax; r += step) {
      int px = x0 + LEFT + (int) Math.round((r - rMin) / (double) span * plotW);
      String s = Integer.toString(r);
      g.drawString(s, px - fm.stringWidth(s) / 2, TOP + plotH + 16);
    }
    g.drawString("round", x0 + LEFT + plotW / 2 - 14, TOP + plotH + 34);
    g.setColor(color);
    g.setStroke(new BasicStroke(2f));
    int prevX = -1;
    int prevY = -1;
    for (int i = 0; i < y.length; i++) {
      if (!Double.isFinite(y[i])) {
        prevX = -1;
        continue;
      }
      int px = x0 + LEFT + (int) Math.round((rounds[i] - rMin) / (double) span * plotW);
      int py = TOP + plotH - (int) Math.round((y[i] - lo) / (hi - lo) * plotH);
      g.fillOval(px - 3, py - 3, 7, 7);
      if (prevX >= 0) {
        g.drawLine(prevX, prevY, px, py);
      }
      prevX = px;
      prevY = py;
    }
    g.setStroke(new BasicStroke(1f));
  }
}
