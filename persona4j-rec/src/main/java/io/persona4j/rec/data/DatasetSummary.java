/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a load produced and what it left out.
 *
 * @param layout the layout that was read
 * @param users users with at least one kept interaction
 * @param items items with at least one kept interaction
 * @param interactions kept interactions
 * @param rowsRead interaction rows read (kept + dropped)
 * @param dropped dropped rows by reason (every reason present, possibly 0)
 * @param usersResorted users whose rows were not in chronological order in the file (their
 *     sequences were sorted by timestamp, ties kept in file order)
 * @param catalogItems rows of the items file
 */
public record DatasetSummary(
    DatasetLayout layout,
    int users,
    int items,
    long interactions,
    long rowsRead,
    Map<DropReason, Long> dropped,
    int usersResorted,
    int catalogItems) {

  public DatasetSummary {
    Objects.requireNonNull(layout, "layout");
    EnumMap<DropReason, Long> all = new EnumMap<>(DropReason.class);
    for (DropReason r : DropReason.values()) {
      all.put(r, dropped.getOrDefault(r, 0L));
    }
    dropped = Map.copyOf(all);
    long droppedTotal = all.values().stream().mapToLong(Long::longValue).sum();
    if (interactions + droppedTotal != rowsRead) {
      throw new IllegalArgumentException(
          "rowsRead must equal interactions + dropped, got "
              + rowsRead
              + " != "
              + interactions
              + " + "
              + droppedTotal);
    }
  }

  /** Rows dropped for {@code reason}. */
  public long dropped(DropReason reason) {
    return dropped.get(reason);
  }

  /** Rows dropped for any reason. */
  public long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    s.append(layout.displayName())
        .append(": ")
        .append(users)
        .append(" users, ")
        .append(items)
        .append(" items (catalog ")
        .append(catalogItems)
        .append("), ")
        .append(interactions)
        .append(" interactions; read ")
        .append(rowsRead)
        .append(" rows, dropped ")
        .append(droppedTotal());
    String sep = " (";
    for (DropReason r : DropReason.values()) {
      s.append(sep).append(r.label()).append(": ").append(dropped.get(r));
      sep = ", ";
    }
    s.append("); ").append(usersResorted).append(" users re-sorted by timestamp");
    return s.toString();
  }
}
