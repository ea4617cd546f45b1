package io.persona4j.bench;

/** Benchmark entry point. */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("train"))
      TrainBenchCommand.main(java.util.Arrays.copyOfRange(args, 1, args.length));
    System.out.println("persona4j-bench");
  }
}
