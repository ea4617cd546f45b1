/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.List;

/** The titles of a catalog's items, numbered {@code 1..itemCount()} (0 is never an item). */
public interface ItemCatalog {
  /** Number of items N. */
  int itemCount();

  /**
   * The display title of {@code item}.
   *
   * @throws IllegalArgumentException if {@code item} is not in {@code 1..itemCount()}
   */
  String title(int item);

  /**
   * A catalog whose item {@code i} (from 1) is {@code titles.get(i - 1)}.
   *
   * @throws IllegalArgumentException if a title is null or blank (its index is named)
   */
  static ItemCatalog of(List<String> titles) {
    List<String> copy = List.copyOf(titles);
    for (int i = 0; i < copy.size(); i++) {
      if (copy.get(i).isBlank()) {
        throw new IllegalArgumentException("item " + (i + 1) + " has a blank title");
      }
    }
    return new ItemCatalog() {
      @Override
      public int itemCount() {
        return copy.size();
      }

      @Override
      public String title(int item) {
        if (item < 1 || item > copy.size()) {
          throw new IllegalArgumentException(
              "item " + item + " is not in the catalog of items 1.." + copy.size());
        }
        return copy.get(item - 1);
      }
    };
  }
}
