/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.kernel;

import java.util.concurrent.atomic.LongAdder;

/**
 * Time spent in the decode kernel's projection calls (input copy, kernel, output array), for
 * profiling a decode step ({@code bin/bench decode --profile}). Off by default: then a call costs
 * one read of a volatile flag.
 */
public final class KernelTimer {
  private static volatile boolean enabled;
  private static final LongAdder NANOS = new LongAdder();
  private static final LongAdder CALLS = new LongAdder();

  private KernelTimer() {}

  /** Zeroes the counters and starts counting. */
  public static void start() {
    NANOS.reset();
    CALLS.reset();
    enabled = true;
  }

  /** Stops counting (the counters keep their values). */
  public static void stop() {
    enabled = false;
  }

  /** Whether calls are being timed. */
  public static boolean enabled() {
    return enabled;
  }

  /** Adds one call of {@code nanos}. */
  public static void add(long nanos) {
    NANOS.add(nanos);
    CALLS.increment();
  }

  /** Nanoseconds counted since {@link #start}. */
  public static long nanos() {
    return NANOS.sum();
  }

  /** Calls counted since {@link #start}. */
  public static long calls() {
    return CALLS.sum();
  }
}
