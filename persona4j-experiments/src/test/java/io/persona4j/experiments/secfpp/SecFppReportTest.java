/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-domain table and paired comparisons on results computed by hand. */
class SecFppReportTest {

  static boolean[] bits(String s) {
    boolean[] b = new boolean[s.length()];
    for (int i = 0; i < b.length; i++) {
      b[i] = s.charAt(i) == '1';
    }
    return b;
  }

  static RunResult run(String method, int k, double ari, String c0, String c1) {
    boolean[] h0 = bits(c0);
    boolean[] h1 = bits(c1);
    int hits = 0;
    for (boolean b : h0) {
      hits += b ? 1 : 0;
    }
    int hits1 = 0;
    for (boolean b : h1) {
      hits1 += b ? 1 : 0;
    }
    return new RunResult(
        "domains",
        method,
        1,
        (hits + hits1) / 8.0,
        (hits + hits1) / 8.0,
        k,
        0,
        Double.NaN,
        1,
        List.of(hits / 4.0, hits1 / 4.0),
        List.of(h0, h1),
        List.of(0, 1),
        k > 0 ? List.of(0, 1) : List.of(),
        ari,
        List.of(),
        0.25,
        Double.NaN,
        Double.NaN);
  }

  @Test
  void perDomainAccuracyAndPairedTestsMatchHandCounts(@TempDir Path out) throws Exception {
    RunResult sec = run("SECFPP", 2, 1.0, "1110", "1100");
    RunResult avg = run("FEDAVG", 0, Double.NaN, "1000", "1100");
    assertThat(SecFppReport.accuracy(sec, -1)).isCloseTo(5 / 8.0, within(1e-12));
    assertThat(SecFppReport.accuracy(sec, 0)).isCloseTo(0.75, within(1e-12));
    assertThat(SecFppReport.accuracy(sec, 1)).isCloseTo(0.5, within(1e-12));

    String md = SecFppReport.markdown(List.of(sec, avg));
    assertThat(md)
        .contains("| method | all acc. | reviews acc. | movielens acc. | prompt drift |")
        .contains("| SECFPP | 0.625 ± 0.000 | 0.750 ± 0.000 | 0.500 ± 0.000 | 0.250 ± 0.000 | 2 |")
        .contains("| 1.00 |");
    // all clients: per-client differences 0.5 and 0 -> mean 0.25; SecFPP alone right on 2
    // examples of client 0, FedAvg alone on none: exact p = 2 * (1/2)^2
    // reviews (client 0 only): a single difference of 0.5
    // movielens: identical outcomes
    assertThat(md)
        .contains(
            "| SECFPP - FEDAVG | +0.2500 [+0.0000, +0.5000] (n=2) | 2 / 0, p=0.500 |"
                + " +0.5000 [+0.5000, +0.5000] (n=1) | 2 / 0, p=0.500 |"
                + " +0.0000 [+0.0000, +0.0000] (n=1) | 0 / 0, p=1.00 |");

    SecFppReport.plot(List.of(sec, avg), out);
    assertThat(out.resolve("secfpp-domains.png")).isNotEmptyFile();
  }

  @Test
  void majorityBaselinePredictsEachClientsOwnTrainingMajorityAndIsComparedWithEveryMethod() {
    ClientData a =
        new ClientData(
            List.of("x", "y", "z"),
            List.of(1, 1, 0),
            List.of("t", "u", "v", "w"),
            List.of(1, 0, 1, 1));
    // a tie in the training labels predicts class 1
    ClientData b =
        new ClientData(
            List.of("p", "q", "r", "s"), List.of(0, 0, 1, 1), List.of("m", "n"), List.of(0, 0));
    RunResult maj = MajorityBaseline.run("domains", 1, List.of(a, b), List.of(0, 1));
    assertThat(maj.method()).isEqualTo("MAJORITY");
    assertThat(maj.accuracy()).isCloseTo(3 / 6.0, within(1e-12));
    assertThat(maj.meanClientAccuracy()).isCloseTo((0.75 + 0) / 2, within(1e-12));
    assertThat(maj.hits().get(0)).containsExactly(true, false, true, true);
    assertThat(maj.hits().get(1)).containsExactly(false, false);
    // a method right on every test example: +0.25 on client a, +1 on client b
    RunResult perfect =
        new RunResult(
            "domains",
            "FEDAVG",
            1,
            1.0,
            1.0,
            0,
            0,
            Double.NaN,
            1,
            List.of(1.0, 1.0),
            List.of(new boolean[] {true, true, true, true}, new boolean[] {true, true}),
            List.of(0, 1),
            List.of(),
            Double.NaN,
            List.of(),
            0.25,
            Double.NaN,
            Double.NaN);
    String md = SecFppReport.markdown(List.of(maj, perfect));
    assertThat(md)
        .contains("| MAJORITY | 0.500 ± 0.000 | 0.750 ± 0.000 | 0.000 ± 0.000 | – |")
        .contains("| FEDAVG - MAJORITY | +0.6250 [+0.2500, +1.0000] (n=2) | 3 / 0, p=0.250 |");
  }
}
