package io.persona4j.bench;

/** Benchmark entry point. */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) {
    System.out.println("persona4j-bench");
  }
}
