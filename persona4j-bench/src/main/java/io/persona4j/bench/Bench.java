/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Benchmark entry point: {@code bin/bench decode|gemm|train ...}. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Persona4j benchmarks: decoding vs Jlama, the machine's fp32 GEMM ceiling, training"
            + " throughput, split-learning traffic, secure aggregation, DP-SGD, federated rounds, the adapter store, serving, CoSteer.",
    subcommands = {
      DecodeCommand.class,
      GemmCommand.class,
      TrainBenchCommand.class,
      IloraBenchCommand.class,
      SplitBenchCommand.class,
      SecAggBenchCommand.class,
      DpSgdBenchCommand.class,
      FedBenchCommand.class,
      SteerBenchCommand.class,
      ServeBenchCommand.class,
      ServeLoadCommand.class,
      ServeEngineBenchCommand.class,
      StoreBenchCommand.class,
      PLoraBenchCommand.class,
      PLoraStoreBenchCommand.class
    })
public final class Bench implements Callable<Integer> {
  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 2;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }
}
