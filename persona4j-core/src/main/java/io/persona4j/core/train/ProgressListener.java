package io.persona4j.core.train;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports progress: on a terminal a single line rewritten in place (step, loss, learning rate,
 * tokens/s, ETA); otherwise a plain log line every {@code logEvery} steps and after the last.
 * Evaluations are always reported on a line of their own.
 */
public final class ProgressListener implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);

  private final boolean interactive;
  private final int logEvery;
  private final PrintStream terminal;
  private final Consumer<String> log;
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
  }

  /** Interactive on {@code System.err} if the JVM runs on a terminal, else logs via SLF4J. */
  public static ProgressListener auto(int logEvery) {
    return new ProgressListener(onTerminal(), logEvery, System.err, LOG::info);
  }

  /** Whether {@code System.console()} is a terminal (on JDK 22+, also {@code isTerminal()}). */
  static boolean onTerminal() {
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

  @Override
  public void onTrainBegin(TrainingContext context) {
    startNanos = System.nanoTime();
    startStep = context.step();
    tokens = 0;
  }

  @Override
  public void onStep(TrainingContext context, StepMetrics m) {
    tokens += m.tokens();
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
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
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "-";
    }
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
