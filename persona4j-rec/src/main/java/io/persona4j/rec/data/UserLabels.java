/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.Arrays;
import java.util.List;

/**
 * One categorical label per user (e.g. the dominant genre), for label-skewed partitions.
 *
 * @param labels label index of each dense user, in {@code 0..names.size()-1}
 * @param names label names
 */
public record UserLabels(int[] labels, List<String> names) {
  public UserLabels {
    labels = labels.clone();
    names = List.copyOf(names);
    for (int u = 0; u < labels.length; u++) {
      if (labels[u] < 0 || labels[u] >= names.size()) {
        throw new IllegalArgumentException(
            "labels[" + u + "] must be in [0, " + names.size() + "), got " + labels[u]);
      }
    }
  }

  /** The labels (a fresh copy). */
  @Override
  public int[] labels() {
    return labels.clone();
  }

  /** Name of {@code user}'s label. */
  public String name(int user) {
    return names.get(labels[user]);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserLabels l && Arrays.equals(l.labels, labels) && l.names.equals(names);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(labels) * 31 + names.hashCode();
  }

  @Override
  public String toString() {
    return "UserLabels[users=" + labels.length + ", names=" + names + "]";
  }
}
