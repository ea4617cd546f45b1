package io.persona4j.experiments.fellrec;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A headless Java2D line chart: one polyline per series over x = 1..n (e.g. rounds), with a legend;
 * non-finite points are skipped.
 */
public final class LineChart {
  /** One line. */
  public record Series(String label, double[] y) {}

  private static final Color[] COLORS = {
    new Color(31, 119, 180),
    new Color(255, 127, 14),
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75)
  };
  private static final int LEFT = 80;
  private static final int RIGHT = 200;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private LineChart() {}

  /** Renders the series into a {@code width x height} image. */
  public static BufferedImage render(
      String title, String xLabel, String yLabel, List<Series> series, int width, int height) {
    if (series.isEmpty()) {
      throw new IllegalArgumentException("a line chart needs at least one series");
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    int n = 1;
    for (Series s : series) {
      n = Math.max(n, s.y().length);
      for (double v : s.y()) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Double.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-9) {
      hi = lo + 1;
    }
    double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int pw = width - LEFT - RIGHT;
      int ph = height - TOP - BOTTOM;
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString(title, LEFT, TOP - 20);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawRect(LEFT, TOP, pw, ph);
      for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4;
        int y = TOP + ph - (int) Math.round(ph * t / 4.0);
        g.setColor(new Color(225, 225, 225));
        g.drawLine(LEFT + 1, y, LEFT + pw - 1, y);
        g.setColor(Color.BLACK);
        g.drawString(String.format(Locale.ROOT, "%.3f", v), 10, y + 4);
      }
      for (int i = 1; i <= n; i++) {
        int x = xOf(i, n, pw);
        g.drawString(Integer.toString(i), x - 4, TOP + ph + 16);
      }
      g.drawString(xLabel, LEFT + pw / 2 - 20, TOP + ph + 40);
      g.drawString(yLabel, 10, TOP - 4);
      g.setStroke(new BasicStroke(2f));
      for (int k = 0; k < series.size(); k++) {
        Series s = series.get(k);
        g.setColor(COLORS[k % COLORS.length]);
        int px = -1;
        int py = -1;
        for (int i = 0; i < s.y().length; i++) {
          if (!Double.isFinite(s.y()[i])) {
            px = -1;
            continue;
          }
          int x = xOf(i + 1, n, pw);
          int y = TOP + ph - (int) Math.round(ph * (s.y()[i] - lo) / (hi - lo));
          g.fillOval(x - 3, y - 3, 6, 6);
          if (px >= 0) {
            g.drawLine(px, py, x, y);
          }
          px = x;
          py = y;
        }
        int ly = TOP + 20 + 20 * k;
        g.drawLine(LEFT + pw + 15, ly - 4, LEFT + pw + 40, ly - 4);
        g.setColor(Color.BLACK);
        g.drawString(s.label(), LEFT + pw + 45, ly);
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  private static int xOf(int i, int n, int pw) {
    return n == 1 ? LEFT + pw / 2 : LEFT + (int) Math.round((double) pw * (i - 1) / (n - 1));
  }

  /** Renders and writes a PNG atomically. */
  public static void write(
      Path file, String title, String xLabel, String yLabel, List<Series> series)
      throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    BufferedImage img = render(title, xLabel, yLabel, series, 960, 540);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    ImageIO.write(img, "png", tmp.toFile());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
