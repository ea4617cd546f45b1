/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process from {@code /proc/self/status}, in MiB. */
final class Rss {
  private Rss() {}

  /** Peak resident set size (VmHWM). */
  static double peakMib() {
    return field("VmHWM:");
  }

  /** Current resident set size (VmRSS). */
  static double currentMib() {
    return field("VmRSS:");
  }

  /** Anonymous resident memory (RssAnon): heaps, native allocations, copied weights. */
  static double anonMib() {
    return field("RssAnon:");
  }

  /** File-backed resident memory (RssFile): libraries and memory-mapped files. */
  static double fileMib() {
    return field("RssFile:");
  }

  private static double field(String name) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith(name)) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux
    }
    return Double.NaN;
  }
}
