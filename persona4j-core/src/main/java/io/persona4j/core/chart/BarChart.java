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
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A headless Java2D bar chart with error bars (mean +- std over seeds), one bar per method, the
 * value printed above each bar.
 */
public final class BarChart {
  /** One bar: its label, height (non-finite: no bar) and error bar half-height (0: none). */
  public record Bar(String label, double mean, double std) {}

  private static final int LEFT = 70;
  private static final int RIGHT = 90;
  private static final int TOP = 50;
  private static final int BOTTOM = 120;

  private BarChart() {}

  /** Renders the bars into a {@code width x height} image; non-finite values draw no bar. */
  public static BufferedImage render(
      String title, String yLabel, List<Bar> bars, int width, int height) {
    Png.headless();
    if (bars.isEmpty()) {
      throw new IllegalArgumentException("a bar chart needs at least one bar");
    }
    double max = 0;
    for (Bar b : bars) {
      double top = b.mean() + (Double.isFinite(b.std()) ? b.std() : 0);
      max = Double.isFinite(top) ? Math.max(max, top) : max;
    }
    double step = niceStep(max <= 0 ? 1 : max * 1.15 / 5);
    double yMax = Math.ceil((max <= 0 ? 1 : max * 1.15) / step) * step;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Png.canvas(img);
    try {
      int plotW = width - LEFT - RIGHT;
      int plotH = height - TOP - BOTTOM;
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.setColor(Color.BLACK);
      FontMetrics fm = g.getFontMetrics();
      g.drawString(title, (width - fm.stringWidth(title)) / 2, 28);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      fm = g.getFontMetrics();
      for (double y = 0; y <= yMax + 1e-12; y += step) {
        int py = TOP + plotH - (int) Math.round(y / yMax * plotH);
        g.setColor(new Color(225, 225, 225));
        g.drawLine(LEFT, py, LEFT + plotW, py);
        g.setColor(Color.DARK_GRAY);
        String t = String.format(Locale.ROOT, "%.2f", y);
        g.drawString(t, LEFT - 6 - fm.stringWidth(t), py + 4);
      }
      g.setColor(Color.BLACK);
      g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
      g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);
      Graphics2D rotated = (Graphics2D) g.create();
      rotated.rotate(-Math.PI / 2);
      rotated.drawString(yLabel, -(TOP + plotH / 2 + fm.stringWidth(yLabel) / 2), 18);
      rotated.dispose();
      int slot = plotW / bars.size();
      int barW = Math.max(6, (int) (slot * 0.6));
      for (int i = 0; i < bars.size(); i++) {
        Bar b = bars.get(i);
        int cx = LEFT + slot * i + slot / 2;
        if (Double.isFinite(b.mean())) {
          int h = (int) Math.round(b.mean() / yMax * plotH);
          g.setColor(Color.getHSBColor(0.58f - 0.09f * i, 0.55f, 0.85f));
          g.fillRect(cx - barW / 2, TOP + plotH - h, barW, h);
          if (Double.isFinite(b.std()) && b.std() > 0) {
            int lo = TOP + plotH - (int) Math.round((b.mean() - b.std()) / yMax * plotH);
            int hi = TOP + plotH - (int) Math.round((b.mean() + b.std()) / yMax * plotH);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.5f));
            g.drawLine(cx, lo, cx, hi);
            g.drawLine(cx - 5, lo, cx + 5, lo);
            g.drawLine(cx - 5, hi, cx + 5, hi);
          }
          g.setColor(Color.BLACK);
          String v = String.format(Locale.ROOT, "%.3f", b.mean());
          g.drawString(v, cx - fm.stringWidth(v) / 2, TOP + plotH - h - 6);
        }
        Graphics2D label = (Graphics2D) g.create();
        label.translate(cx + 4, TOP + plotH + 8);
        label.rotate(Math.PI / 6);
        label.setColor(Color.BLACK);
        label.drawString(b.label(), 0, 0);
        label.dispose();
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Renders (wide enough for the labels) and writes a PNG ({@link Png#write}). */
  public static void write(Path file, String title, String yLabel, List<Bar> bars)
      throws IOException {
    Png.write(file, render(title, yLabel, bars, Math.max(900, 90 * bars.size() + 160), 560));
  }

  static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
}
