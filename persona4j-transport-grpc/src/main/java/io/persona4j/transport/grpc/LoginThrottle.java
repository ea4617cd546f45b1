/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Exponential throttling of failed logins, per remote address. After k failed logins from an
 * address (forgotten after {@link Settings#forgetAfter()} without a failure), its login attempts
 * are checked at most one per {@code min(maxDelay, initialDelay * 2^(k-1))}: each attempt reserves
 * the next free slot and waits for it, so concurrent attempts queue instead of running in parallel.
 * An address without failures is never delayed, and a success does not reset the count (a client
 * holding one valid token cannot use it to keep guessing others). Thread-safe.
 */
public final class LoginThrottle {

  /**
   * Throttle settings.
   *
   * @param initialDelay delay after the first failure, {@code > 0}
   * @param maxDelay the largest delay, {@code >= initialDelay}
   * @param forgetAfter failures are forgotten after this long without one, {@code > 0}
   * @param maxTracked addresses remembered at most (the oldest are forgotten first), {@code >= 1}
   */
  public record Settings(
      Duration initialDelay, Duration maxDelay, Duration forgetAfter, int maxTracked) {

    /** Validates the fields. */
    public Settings {
      Objects.requireNonNull(initialDelay, "initialDelay");
      Objects.requireNonNull(maxDelay, "maxDelay");
      Objects.requireNonNull(forgetAfter, "forgetAfter");
      if (initialDelay.isNegative() || initialDelay.isZero()) {
        throw new IllegalArgumentException("initialDelay must be > 0, got " + initialDelay);
      }
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException(
            "maxDelay must be >= initialDelay " + initialDelay + ", got " + maxDelay);
      }
      if (forgetAfter.isNegative() || forgetAfter.isZero()) {
        throw new IllegalArgumentException("forgetAfter must be > 0, got " + forgetAfter);
      }
      if (maxTracked < 1) {
        throw new IllegalArgumentException("maxTracked must be >= 1, got " + maxTracked);
      }
    }

    /** 250 ms doubling to 30 s, forgotten after 10 minutes, 65,536 addresses. */
    public static Settings defaults() {
      return new Settings(
          Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofMinutes(10), 65_536);
    }

    /** The delay after {@code failures} failures (0 for none). */
    public Duration delay(int failures) {
      if (failures <= 0) {
        return Duration.ZERO;
      }
      long ms = initialDelay.toMillis();
      for (int i = 1; i < failures && ms < maxDelay.toMillis(); i++) {
        ms *= 2;
      }
      return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
    }
  }

  private static final class State {
    int failures;
    long lastFailure;
    long nextSlot;
  }

  private final Settings settings;
  private final Map<InetAddress, State> states = new LinkedHashMap<>(16, 0.75f, true);

  /** A throttle with {@code settings}. */
  public LoginThrottle(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * Reserves the next slot for a login attempt from {@code address} at time {@code now} (nanos) and
   * returns how long the attempt must wait for it (0 for an address without recent failures).
   */
  public synchronized long reserveNanos(InetAddress address, long now) {
    State s = current(address, now);
    if (s == null) {
      return 0;
    }
    long start = Math.max(now, s.nextSlot);
    s.nextSlot = start + settings.delay(s.failures).toNanos();
    return start - now;
  }

  /** Records a failed login from {@code address} at {@code now}; returns its failure count. */
  public synchronized int failed(InetAddress address, long now) {
    State s = current(address, now);
    if (s == null) {
      s = new State();
      states.put(address, s);
      evict();
    }
    s.failures++;
    s.lastFailure = now;
    s.nextSlot = Math.max(s.nextSlot, now + settings.delay(s.failures).toNanos());
    return s.failures;
  }

  /** The recent failures of {@code address}. */
  public synchronized int failures(InetAddress address, long now) {
    State s = current(address, now);
    return s == null ? 0 : s.failures;
  }

  private State current(InetAddress address, long now) {
    State s = states.get(address);
    if (s != null && now - s.lastFailure > settings.forgetAfter().toNanos()) {
      states.remove(address);
      return null;
    }
    return s;
  }

  /** Forgets the least recently seen addresses beyond {@code maxTracked}. */
  private void evict() {
    Iterator<Map.Entry<InetAddress, State>> it = states.entrySet().iterator();
    while (it.hasNext() && states.size() > settings.maxTracked()) {
      it.next();
      it.remove();
    }
  }
}
