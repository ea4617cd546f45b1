/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Forces a garbage collection, lets the JDK's cleaner free unreachable direct buffers, then fills
 * freshly allocated small direct buffers with NaN. Native memory freed behind a tensor's back is
 * likely reused and overwritten by this, so a later read through such a tensor sees NaN.
 */
public final class NativeMemoryChurn {
  private NativeMemoryChurn() {}

  public static List<ByteBuffer> run() {
    System.gc();
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<ByteBuffer> junk = new ArrayList<>();
    for (int size : new int[] {4, 8, 16, 32, 64}) {
      for (int i = 0; i < 500; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
        while (b.remaining() >= 4) {
          b.putFloat(Float.NaN);
        }
        junk.add(b);
      }
    }
    return junk;
  }
}
