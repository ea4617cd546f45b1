/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

/**
 * The global cap on reply bytes in flight: a reply's announced size is reserved when its header
 * arrives and released when it is delivered or dropped. A reservation that does not fit is refused,
 * never waited for (the server's memory is never promised twice).
 */
final class ReplyBudget {

  private final long capacity;
  private long used;

  ReplyBudget(long capacity) {
    this.capacity = capacity;
  }

  /** Reserves {@code bytes}; false (nothing reserved) if they do not fit. */
  synchronized boolean tryReserve(long bytes) {
    if (bytes < 0 || bytes > capacity - used) {
      return false;
    }
    used += bytes;
    return true;
  }

  /** Returns a reservation. */
  synchronized void release(long bytes) {
    used = Math.max(0, used - bytes);
  }

  /** Bytes reserved now. */
  synchronized long used() {
    return used;
  }

  /** The cap. */
  long capacity() {
    return capacity;
  }
}
