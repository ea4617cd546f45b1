/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts with Java2D (headless): axes with rounded tick values and grid, axis labels, a title
 * and a legend. Loss curves over steps, metrics over rounds. No dependency beyond the JDK.
 */
public final class LineChart {
  /** The colors of series without their own, in order. */
  static final Color[] PALETTE = {
    new Color(31, 119, 180),
    new Color(255, 127, 14),
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75)
  };

  /**
   * One curve: its name in the legend, color (null: the next palette color), points, and whether
   * points get markers. Non-finite points are skipped.
   */
  public record Series(String name, Color color, double[] x, double[] y, boolean markers) {
    /** Validates and copies the points. */
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException(x.length + " x values for " + y.length + " y values");
      }
      x = x.clone();
      y = y.clone();
    }

    /** A series over x = 1, 2, ..., n (e.g. rounds) with markers and a palette color. */
    public static Series of(String name, double[] y) {
      double[] x = new double[y.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = i + 1;
      }
      return new Series(name, null, x, y, true);
    }
  }

  private static final int LEFT = 80;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private LineChart() {}

  /**
   * Renders the series into a {@code width x height} RGB image. Non-finite points are skipped; an
   * empty chart still gets its axes.
   */
  public static BufferedImage render(
      String title, String xLabel, String yLabel, List<Series> series, int width, int height) {
    Png.headless();
    if (width < 200 || height < 150) {
      throw new IllegalArgumentException(
          "chart must be at least 200x150, got " + width + "x" + height);
    }
    double[] xr = range(series, true);
    double[] yr = range(series, false);
    if (yr[0] > 0 && yr[0] < 0.5 * yr[1]) {
      yr[0] = 0; // losses: include zero when it costs less than half the height
    }
    double[] xt = integral(series) ? integerTicks(xr[0], xr[1]) : ticks(xr[0], xr[1]);
    double[] yt = ticks(yr[0], yr[1]);
    double x0 = xt[0];
    double x1 = xt[xt.length - 1];
    double y0 = yt[0];
    double y1 = yt[yt.length - 1];

    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Png.canvas(img);
    try {
      int pw = width - LEFT - RIGHT;
      int ph = height - TOP - BOTTOM;
      Mapper map = new Mapper(x0, x1, y0, y1, pw, ph);

      // grid and ticks
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics fm = g.getFontMetrics();
      for (double v : xt) {
        int px = map.px(v);
        g.setColor(new Color(230, 230, 230));
        g.drawLine(px, TOP, px, TOP + ph);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(px, TOP + ph, px, TOP + ph + 5);
        String s = format(v, xt);
        g.drawString(s, px - fm.stringWidth(s) / 2, TOP + ph + 7 + fm.getAscent());
      }
      for (double v : yt) {
        int py = map.py(v);
        g.setColor(new Color(230, 230, 230));
        g.drawLine(LEFT, py, LEFT + pw, py);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(LEFT - 5, py, LEFT, py);
        String s = format(v, yt);
        g.drawString(s, LEFT - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
      }
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(1.2f));
      g.drawRect(LEFT, TOP, pw, ph);

      // curves
      for (int k = 0; k < series.size(); k++) {
        Series s = series.get(k);
        g.setColor(colorOf(series, k));
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double path = new Path2D.Double();
        boolean started = false;
        for (int i = 0; i < s.x().length; i++) {
          if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
            continue;
          }
          double px = map.pxd(s.x()[i]);
          double py = map.pyd(s.y()[i]);
          if (started) {
            path.lineTo(px, py);
          } else {
            path.moveTo(px, py);
            started = true;
          }
          if (s.markers()) {
            g.fill(new Ellipse2D.Double(px - 3.5, py - 3.5, 7, 7));
          }
        }
        g.draw(path);
      }

      // labels
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      FontMetrics tf = g.getFontMetrics();
      g.drawString(title, (width - tf.stringWidth(title)) / 2, TOP - 18);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      FontMetrics lf = g.getFontMetrics();
      g.drawString(xLabel, LEFT + (pw - lf.stringWidth(xLabel)) / 2, height - 14);
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2);
      g.drawString(yLabel, -(TOP + (ph + lf.stringWidth(yLabel)) / 2), 22);
      g.setTransform(saved);
      legend(g, series, LEFT + pw);
    } finally {
      g.dispose();
    }
    return img;
  }

  private static void legend(Graphics2D g, List<Series> series, int right) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    FontMetrics fm = g.getFontMetrics();
    int w = 0;
    for (Series s : series) {
      w = Math.max(w, fm.stringWidth(s.name()));
    }
    int boxW = w + 50;
    int boxH = series.size() * 20 + 10;
    int bx = right - boxW - 10;
    int by = TOP + 10;
    g.setColor(new Color(255, 255, 255, 230));
    g.fillRect(bx, by, boxW, boxH);
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1f));
    g.drawRect(bx, by, boxW, boxH);
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      int y = by + 15 + i * 20;
      g.setColor(colorOf(series, i));
      g.setStroke(new BasicStroke(2.5f));
      g.drawLine(bx + 8, y, bx + 32, y);
      if (s.markers()) {
        g.fill(new Ellipse2D.Double(bx + 16.5, y - 3.5, 7, 7));
      }
      g.setColor(Color.BLACK);
      g.drawString(s.name(), bx + 40, y + fm.getAscent() / 2 - 1);
    }
  }

  /** Renders a {@code width x height} chart and writes it as a PNG ({@link Png#write}). */
  public static void write(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      List<Series> series,
      int width,
      int height)
      throws IOException {
    Png.write(file, render(title, xLabel, yLabel, series, width, height));
  }

  /** A series' own color, else the palette color of its index among the colorless ones. */
  private static Color colorOf(List<Series> series, int index) {
    if (series.get(index).color() != null) {
      return series.get(index).color();
    }
    int k = 0;
    for (int i = 0; i < index; i++) {
      k += series.get(i).color() == null ? 1 : 0;
    }
    return PALETTE[k % PALETTE.length];
  }

  /** Whether every x value is a whole number (steps, rounds). */
  private static boolean integral(List<Series> series) {
    for (Series s : series) {
      for (double v : s.x()) {
        if (Double.isFinite(v) && v != Math.rint(v)) {
          return false;
        }
      }
    }
    return true;
  }

  /** {@link #ticks} with a step of at least 1. */
  static double[] integerTicks(double lo, double hi) {
    double[] t = ticks(lo, hi);
    if (t.length < 2 || t[1] - t[0] >= 1) {
      return t;
    }
    double first = Math.floor(lo);
    double last = Math.ceil(hi);
    double[] out = new double[(int) (last - first) + 1];
    for (int i = 0; i < out.length; i++) {
      out[i] = first + i;
    }
    return out;
  }

  /** [min, max] of the finite values of all series (a unit range around a single value). */
  private static double[] range(List<Series> series, boolean x) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      double[] xs = s.x();
      double[] ys = s.y();
      for (int i = 0; i < xs.length; i++) {
        double v = x ? xs[i] : ys[i];
        if (Double.isFinite(xs[i]) && Double.isFinite(ys[i])) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      return new double[] {0, 1};
    }
    if (lo == hi) {
      return new double[] {lo - 0.5, hi + 0.5};
    }
    return new double[] {lo, hi};
  }

  /** Tick values at the 1-2-5 step nearest (in ratio) to a sixth of the span [lo, hi]. */
  static double[] ticks(double lo, double hi) {
    double raw = (hi - lo) / 6;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = mag;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (double f : new double[] {1, 2, 5, 10}) {
      double distance = Math.abs(Math.log(f * mag / raw));
      if (distance < bestDistance) {
        bestDistance = distance;
        step = f * mag;
      }
    }
    double first = Math.floor(lo / step) * step;
    double last = Math.ceil(hi / step) * step;
    List<Double> out = new ArrayList<>();
    for (double v = first; v <= last + step * 1e-9; v += step) {
      out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static String format(double v, double[] ticks) {
    double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private record Mapper(double x0, double x1, double y0, double y1, int pw, int ph) {
    double pxd(double x) {
      return LEFT + (x - x0) / (x1 - x0) * pw;
    }

    double pyd(double y) {
      return TOP + ph - (y - y0) / (y1 - y0) * ph;
    }

    int px(double x) {
      return (int) Math.round(pxd(x));
    }

    int py(double y) {
      return (int) Math.round(pyd(y));
    }
  }
}
