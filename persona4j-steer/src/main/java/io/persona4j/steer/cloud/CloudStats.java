/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import io.persona4j.steer.proto.EndCode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of a cloud service: sessions, how they ended, tokens served and the protobuf bytes of
 * every message received ({@code up}) and sent ({@code down}). Thread-safe.
 */
public final class CloudStats {
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong steps = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private final AtomicLong messagesUp = new AtomicLong();
  private final AtomicLong messagesDown = new AtomicLong();
  private final AtomicLongArray ended = new AtomicLongArray(EndCode.values().length);

  void opened() {
    opened.incrementAndGet();
  }

  void step() {
    steps.incrementAndGet();
  }

  void up(long bytes) {
    messagesUp.incrementAndGet();
    bytesUp.addAndGet(bytes);
  }

  void down(long bytes) {
    messagesDown.incrementAndGet();
    bytesDown.addAndGet(bytes);
  }

  void ended(EndCode code) {
    ended.incrementAndGet(code.ordinal());
  }

  /** A consistent-enough copy of the counters. */
  public Snapshot snapshot() {
    Map<EndCode, Long> byCode = new EnumMap<>(EndCode.class);
    for (EndCode c : EndCode.values()) {
      if (c != EndCode.UNRECOGNIZED && ended.get(c.ordinal()) > 0) {
        byCode.put(c, ended.get(c.ordinal()));
      }
    }
    return new Snapshot(
        opened.get(),
        steps.get(),
        bytesUp.get(),
        bytesDown.get(),
        messagesUp.get(),
        messagesDown.get(),
        Map.copyOf(byCode));
  }

  /**
   * @param opened sessions that got past Open (authenticated, within limits)
   * @param steps distributions computed after a device token
   * @param endedBy sessions ended, by end code
   */
  public record Snapshot(
      long opened,
      long steps,
      long bytesUp,
      long bytesDown,
      long messagesUp,
      long messagesDown,
      Map<EndCode, Long> endedBy) {}
}
