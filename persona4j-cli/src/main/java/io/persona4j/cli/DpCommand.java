/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.privacy.dp.PrivacySpent;
import io.persona4j.privacy.dp.RdpAccountant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j dp ...}: differential-privacy accounting. */
@Command(
    name = "dp",
    mixinStandardHelpOptions = true,
    description = "Differential-privacy accounting.",
    subcommands = {DpCommand.Epsilon.class})
final class DpCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "epsilon",
      mixinStandardHelpOptions = true,
      description = {
        "Epsilon of the Poisson-subsampled Gaussian mechanism composed over --steps (DP-SGD,"
            + " DP-FedAvg), by Renyi DP (Mironov, Talwar, Zhang 2019) and the conversion of Balle"
            + " et al. 2020 (as Opacus); --conversion mironov for Mironov 2017 (older TF Privacy)."
      })
  static final class Epsilon implements Callable<Integer> {
    @Option(names = "--sampling-rate", required = true, description = "q in (0, 1].")
    double q;

    @Option(names = "--noise-multiplier", required = true, description = "sigma > 0.")
    double sigma;

    @Option(names = "--steps", required = true, description = "Compositions, >= 1.")
    long steps;

    @Option(names = "--delta", defaultValue = "1e-5", description = "delta (${DEFAULT-VALUE}).")
    double delta;

    @Option(
        names = "--conversion",
        defaultValue = "balle",
        description = "balle (default) or mironov.")
    String conversion;

    @Override
    public Integer call() {
      TrainOptions.require(q > 0 && q <= 1, "--sampling-rate", q, "must be in (0, 1]");
      TrainOptions.require(
          sigma > 0 && Double.isFinite(sigma), "--noise-multiplier", sigma, "must be > 0");
      TrainOptions.require(steps >= 1, "--steps", steps, "must be >= 1");
      TrainOptions.require(delta > 0 && delta < 1, "--delta", delta, "must be in (0, 1)");
      RdpAccountant.Conversion c =
          switch (conversion) {
            case "balle" -> RdpAccountant.Conversion.BALLE_2020;
            case "mironov" -> RdpAccountant.Conversion.MIRONOV_2017;
            default ->
                throw new IllegalArgumentException(
                    "--conversion " + conversion + ": must be balle or mironov");
          };
      double[] orders = RdpAccountant.DEFAULT_ORDERS;
      PrivacySpent p =
          RdpAccountant.privacySpent(orders, RdpAccountant.rdp(q, sigma, steps, orders), delta, c);
      System.out.printf(Locale.ROOT, "%.6g%n", p.epsilon());
      System.err.printf(
          Locale.ROOT,
          "epsilon %.4f at delta %.1e (best RDP order %.1f; q=%g, sigma=%g, %d steps)%n",
          p.epsilon(),
          p.delta(),
          p.order(),
          q,
          sigma,
          steps);
      return 0;
    }
  }
}
