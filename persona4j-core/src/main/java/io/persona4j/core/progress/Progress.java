/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.progress;

import java.io.Console;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Plain progress lines for long work (training, evaluation loops, experiments): the first update,
 * then at most one line per interval, and the last, so that output going to a file or a pipe shows
 * that the work goes on and how far it is. Lines go to a process-wide sink: stderr unless an
 * application embedding Persona4j redirects them ({@link #setSink}, e.g. to its logger) or drops
 * them.
 *
 * <p>The interval is 30 s unless the system property {@value #INTERVAL_PROPERTY} or the environment
 * variable {@value #INTERVAL_ENV} gives another number of seconds (0: every update). Not
 * thread-safe: one instance per loop.
 */
public final class Progress {
  /** System property of the interval in seconds. */
  public static final String INTERVAL_PROPERTY = "persona4j.progress.seconds";

  /** Environment variable of the interval in seconds. */
  public static final String INTERVAL_ENV = "PERSONA4J_PROGRESS_SECONDS";

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  private static volatile Consumer<String> sink = line -> System.err.println(line);

  private final String task;
  private final long total;
  private final long intervalNanos;
  private final LongSupplier clock;
  private final Consumer<String> out;
  private final long start;
  private long lastPrint;
  private boolean printed;

  /**
   * @param task what is being done, the start of each line (e.g. {@code generation})
   * @param total the number of units of work, > 0
   * @param interval the least time between two lines
   * @param clock nanosecond clock
   * @param out where lines go
   */
  public Progress(
      String task, long total, Duration interval, LongSupplier clock, Consumer<String> out) {
    if (total < 1) {
      throw new IllegalArgumentException("total must be >= 1, got " + total);
    }
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must be >= 0, got " + interval);
    }
    this.task = Objects.requireNonNull(task, "task");
    this.total = total;
    this.intervalNanos = interval.toNanos();
    this.clock = clock;
    this.out = out;
    this.start = clock.getAsLong();
  }

  /**
   * Progress of {@code total} units of {@code task}, at {@link #interval()}, to {@link #sink()}.
   */
  public static Progress start(String task, long total) {
    return new Progress(task, total, interval(), System::nanoTime, sink());
  }

  /** Where progress lines go by default: stderr unless redirected. */
  public static Consumer<String> sink() {
    Consumer<String> s = sink;
    return line -> s.accept(line);
  }

  /** Redirects progress lines (null: drop them); returns the previous sink. */
  public static Consumer<String> setSink(Consumer<String> newSink) {
    Consumer<String> previous = sink;
    sink = newSink == null ? line -> {} : newSink;
    return previous;
  }

  /**
   * The configured interval: {@value #INTERVAL_PROPERTY}, else {@value #INTERVAL_ENV}, else 30 s.
   *
   * @throws IllegalArgumentException naming the setting if its value is not a number >= 0
   */
  public static Duration interval() {
    String p = System.getProperty(INTERVAL_PROPERTY);
    if (p != null) {
      return parse(p, "-D" + INTERVAL_PROPERTY);
    }
    String e = System.getenv(INTERVAL_ENV);
    return e == null || e.isBlank() ? DEFAULT_INTERVAL : parse(e, INTERVAL_ENV);
  }

  /** Whether stderr goes to a terminal (a console that is one, on JDK 22+ asked directly). */
  public static boolean onTerminal() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      Method m = Console.class.getMethod("isTerminal");
      return (Boolean) m.invoke(c);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only on a terminal
    }
  }

  /** Reports {@code done} units finished; prints a line if one is due. */
  public void update(long done) {
    if (due(done)) {
      out.accept(line(done));
    }
  }

  /**
   * Whether a line is due after {@code done} units: the first update, the last unit, or the
   * interval elapsed since the previous line. Marks the line as printed when it is.
   */
  public boolean due(long done) {
    long now = clock.getAsLong();
    boolean due = !printed || done >= total || now - lastPrint >= intervalNanos;
    if (due) {
      printed = true;
      lastPrint = now;
    }
    return due;
  }

  /** {@code task: done/total (pct%) | elapsed h:mm:ss | ETA h:mm:ss}. */
  public String line(long done) {
    double elapsed = (clock.getAsLong() - start) / 1e9;
    double eta = done > 0 ? elapsed / done * (total - done) : Double.NaN;
    return String.format(
        Locale.ROOT,
        "%s: %d/%d (%.0f%%) | elapsed %s | ETA %s",
        task,
        done,
        total,
        100.0 * done / total,
        duration(elapsed),
        duration(eta));
  }

  /** Seconds as {@code h:mm:ss}; {@code -} if unknown. */
  public static String duration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "-";
    }
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }

  private static Duration parse(String value, String where) {
    try {
      double seconds = Double.parseDouble(value.trim());
      if (seconds >= 0 && Double.isFinite(seconds)) {
        return Duration.ofNanos(Math.round(seconds * 1e9));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        where + " = '" + value + "' is not a number of seconds >= 0 (the progress interval)");
  }
}
