/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import io.persona4j.core.progress.Progress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Reports progress: on a terminal a single line rewritten in place (step, loss, learning rate,
 * tokens/s, ETA); otherwise plain lines, either every {@code logEvery} steps or, from {@link
 * #auto()} off a terminal, at a fixed interval ({@link Progress#interval()}), and after the last
 * step. Evaluations are always reported on a line of their own.
 */
public final class ProgressListener implements TrainingListener {
  private final boolean interactive;
  private final int logEvery;
  private final PrintStream terminal;
  private final Consumer<String> log;
  private final Duration interval; // null: every logEvery steps
  private final LongSupplier clock;
  private Progress ticker;
  private long startNanos;
  private long startStep;
  private long tokens;
  private int lastWidth;

  /**
   * @param interactive rewrite one line on {@code terminal}, or log lines through {@code log}
   * @param logEvery steps between log lines (non-interactive), >= 1
   */
  public ProgressListener(
      boolean interactive, int logEvery, PrintStream terminal, Consumer<String> log) {
    if (logEvery < 1) {
      throw new IllegalArgumentException("logEvery must be >= 1, got " + logEvery);
    }
    this.interactive = interactive;
    this.logEvery = logEvery;
    this.terminal = terminal;
    this.log = log;
    this.interval = null;
    this.clock = System::nanoTime;
  }

  private ProgressListener(Duration interval, LongSupplier clock, Consumer<String> log) {
    this.interactive = false;
    this.logEvery = 1;
    this.terminal = null;
    this.log = log;
    this.interval = interval;
    this.clock = clock;
  }

  /**
   * Plain lines through {@code log}: after the first step, then at most one per {@code interval},
   * and after the last step.
   */
  public static ProgressListener timed(
      Duration interval, LongSupplier nanoClock, Consumer<String> log) {
    return new ProgressListener(interval, nanoClock, log);
  }

  /**
   * On a terminal one line rewritten in place on {@code System.err}; otherwise (output going to a
   * file or a pipe) plain lines at {@link Progress#interval()} to {@link Progress#sink()}.
   */
  public static ProgressListener auto() {
    return Progress.onTerminal()
        ? new ProgressListener(true, 1, System.err, line -> {})
        : timed(Progress.interval(), System::nanoTime, Progress.sink());
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    startNanos = clock.getAsLong();
    startStep = context.step();
    tokens = 0;
    if (interval != null) {
      ticker =
          new Progress("train", Math.max(1, context.maxSteps() - startStep), interval, clock, log);
    }
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics m) {
    tokens += m.tokens();
    double elapsed = (clock.getAsLong() - startNanos) / 1e9;
    long done = m.step() - startStep;
    double perStep = done > 0 ? elapsed / done : 0;
    double eta = perStep * (context.maxSteps() - m.step());
    String line =
        String.format(
            Locale.ROOT,
            "step %d/%d | loss %.4f | lr %.3g | %s tok/s | elapsed %s | ETA %s",
            m.step(),
            context.maxSteps(),
            m.loss(),
            m.learningRate(),
            elapsed > 0 ? String.format(Locale.ROOT, "%,.0f", tokens / elapsed) : "-",
            duration(elapsed),
            duration(eta));
    if (interactive) {
      String padded = line + " ".repeat(Math.max(0, lastWidth - line.length()));
      terminal.print("\r" + padded);
      terminal.flush();
      lastWidth = line.length();
    } else if (ticker != null) {
      if (ticker.due(m.step() - startStep)) {
        log.accept(line);
      }
    } else if (m.step() % logEvery == 0 || m.step() == context.maxSteps()) {
      log.accept(line);
    }
  }

  @Override
  public void onEvaluation(TrainingContext context, EvalMetrics m) {
    String line =
        String.format(Locale.ROOT, "step %d | eval loss %.4f", m.step(), m.loss())
            + (Double.isNaN(m.accuracy())
                ? ""
                : String.format(Locale.ROOT, " | eval accuracy %.4f", m.accuracy()));
    if (interactive) {
      terminal.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())) + "\n");
      terminal.flush();
      lastWidth = 0;
    } else {
      log.accept(line);
    }
  }

  @Override
  public void onTrainEnd(TrainingContext context, Throwable failure) {
    if (interactive && lastWidth > 0) {
      terminal.println();
      terminal.flush();
      lastWidth = 0;
    }
  }

  /** {@code h:mm:ss}. */
  static String duration(double seconds) {
    return Progress.duration(seconds);
  }
}
