/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
  @TempDir Path dir;

  @Test
  void chartTicksUseRoundSteps() {
    assertThat(LineChart.ticks(0, 3.4)).containsExactly(0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5);
    assertThat(LineChart.ticks(1, 300)).containsExactly(0, 50, 100, 150, 200, 250, 300);
    assertThat(LineChart.ticks(0.02, 0.09))
        .hasSize(8)
        .startsWith(0.02)
        .satisfies(t -> assertThat(t[7]).isCloseTo(0.09, Offset.offset(1e-12)));
  }

  @Test
  void roundsGetWholeNumberTicks() {
    assertThat(LineChart.ticks(1, 3)).contains(1.5);
    assertThat(LineChart.integerTicks(1, 3)).containsExactly(1, 2, 3);
    assertThat(LineChart.integerTicks(0, 300)).containsExactly(0, 50, 100, 150, 200, 250, 300);
  }

  @Test
  void seriesWithoutAColorTakeThePaletteInOrder() throws IOException {
    Path png = dir.resolve("sub/lines.png");
    LineChart.write(
        png,
        "t",
        "round",
        "loss",
        List.of(
            LineChart.Series.of("a", new double[] {3, 2, 1}),
            new LineChart.Series(
                "own", Color.MAGENTA, new double[] {1, 3}, new double[] {2, 2}, false),
            LineChart.Series.of("b", new double[] {1, Double.NaN, 3})),
        400,
        300);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(400);
    assertThat(count(img, LineChart.PALETTE[0])).isGreaterThan(50);
    assertThat(count(img, LineChart.PALETTE[1])).isGreaterThan(20);
    assertThat(count(img, Color.MAGENTA)).isGreaterThan(50);
    assertThat(count(img, LineChart.PALETTE[2])).isZero();
    try (var files = Files.list(png.getParent())) {
      assertThat(files).containsExactly(png); // no temporary file left
    }
  }

  @Test
  void barChartAndSideBySidePanels() throws IOException {
    BufferedImage bars =
        BarChart.render(
            "hr",
            "HR@1",
            List.of(new BarChart.Bar("a", 0.5, 0.1), new BarChart.Bar("b", 0.25, 0)),
            400,
            300);
    BufferedImage line =
        LineChart.render(
            "l", "x", "y", List.of(LineChart.Series.of("s", new double[] {1, 2})), 300, 200);
    BufferedImage both = Png.sideBySide(bars, line);
    assertThat(both.getWidth()).isEqualTo(700);
    assertThat(both.getHeight()).isEqualTo(300);
    assertThat(both.getRGB(650, 250) & 0xFFFFFF).isEqualTo(0xFFFFFF); // below the shorter panel
    Path png = dir.resolve("both.png");
    Png.write(png, both);
    assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
    assertThatThrownBy(() -> BarChart.render("t", "y", List.of(), 400, 300))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int count(BufferedImage img, Color c) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        n += (img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF) ? 1 : 0;
      }
    }
    return n;
  }
}
