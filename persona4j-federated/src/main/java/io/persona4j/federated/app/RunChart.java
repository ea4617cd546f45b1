/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import io.persona4j.core.chart.LineChart;
import io.persona4j.core.chart.Png;
import io.persona4j.federated.AccountingLog;
import io.persona4j.federated.AccountingRecord;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

/**
 * The chart of a federated run ({@code metrics.png}): two panels drawn from its accounting log, the
 * mean client training loss and the kilobytes exchanged per successful round.
 */
public final class RunChart {
  private static final int W = 460;
  private static final int H = 360;
  private static final Color LOSS = new Color(40, 110, 190);
  private static final Color BYTES = new Color(200, 90, 40);

  private RunChart() {}

  /** Draws the chart of the log {@code log} into {@code png} (atomically). */
  public static void write(Path log, Path png) throws IOException {
    write(AccountingLog.okRounds(AccountingLog.read(log)), png);
  }

  /** Draws the chart of the successful attempts {@code ok} (the last one of each round counts). */
  public static void write(List<AccountingRecord.Round> ok, Path png) throws IOException {
    TreeMap<Integer, AccountingRecord.Round> byRound = new TreeMap<>();
    ok.forEach(r -> byRound.put(r.round(), r));
    double[] rounds = new double[byRound.size()];
    double[] loss = new double[rounds.length];
    double[] kb = new double[rounds.length];
    int i = 0;
    for (AccountingRecord.Round r : byRound.values()) {
      rounds[i] = r.round();
      loss[i] = r.meanLoss();
      kb[i] = (r.bytesUp() + r.bytesDown()) / 1000.0;
      i++;
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
