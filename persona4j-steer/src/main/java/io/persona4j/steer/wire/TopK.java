/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.wire;

/** The indices of the k largest values, largest first, lower index first among equal values. */
final class TopK {
  private TopK() {}

  static int[] indices(float[] x, int k) {
    if (k < 0 || k > x.length) {
      throw new IllegalArgumentException("k = " + k + " for " + x.length + " values");
    }
    // A min-heap of the best k so far; its root is the worst kept (smallest value, larger index).
    int[] heap = new int[k];
    int size = 0;
    for (int i = 0; i < x.length; i++) {
      if (size < k) {
        heap[size] = i;
        up(heap, size++, x);
      } else if (k > 0 && better(i, heap[0], x)) {
        heap[0] = i;
        down(heap, 0, size, x);
      }
    }
    int[] out = new int[size];
    for (int n = size; n > 0; n--) {
      out[n - 1] = heap[0];
      heap[0] = heap[n - 1];
      down(heap, 0, n - 1, x);
    }
    return out;
  }

  /** Whether index a ranks before index b. */
  private static boolean better(int a, int b, float[] x) {
    return x[a] > x[b] || (x[a] == x[b] && a < b);
  }

  private static void up(int[] h, int i, float[] x) {
    while (i > 0) {
      int p = (i - 1) / 2;
      if (!better(h[p], h[i], x)) {
        break;
      }
      swap(h, i, p);
      i = p;
    }
  }

  private static void down(int[] h, int i, int n, float[] x) {
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int worst = i;
      if (l < n && better(h[worst], h[l], x)) {
        worst = l;
      }
      if (r < n && better(h[worst], h[r], x)) {
        worst = r;
      }
      if (worst == i) {
        return;
      }
      swap(h, i, worst);
      i = worst;
    }
  }

  private static void swap(int[] h, int a, int b) {
    int t = h[a];
    h[a] = h[b];
    h[b] = t;
  }
}
