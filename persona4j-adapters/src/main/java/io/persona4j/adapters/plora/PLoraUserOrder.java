/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.persona4j.core.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the user ids of a PLoRA user table, in row order, in a training checkpoint, and refuses to
 * resume into a table whose users differ: the checkpoint restores the table {@code E} by position,
 * so a different user list (other training rows, another order) would silently give users each
 * other's vectors.
 */
public final class PLoraUserOrder implements TrainingListener {
  /** The key of this listener's state in a checkpoint. */
  public static final String KEY = "plora_users";

  private final PLoraModel plora;

  /**
   * @param plora the adapter trained (its user table as built for this run)
   */
  public PLoraUserOrder(PLoraModel plora) {
    this.plora = plora;
  }

  @Override
  public String stateKey() {
    return KEY;
  }

  @Override
  public JsonNode saveState() {
    ArrayNode ids = JsonNodeFactory.instance.arrayNode();
    plora.users().ids().forEach(ids::add);
    return ids;
  }

  /**
   * @throws IllegalStateException naming the first differing row if the checkpoint's users are not
   *     this run's, in the same order
   */
  @Override
  public void restoreState(JsonNode state) {
    if (state == null || !state.isArray()) {
      throw new IllegalStateException(
          "checkpoint state '" + KEY + "' must be an array of user ids, got " + state);
    }
    List<String> saved = new ArrayList<>();
    state.forEach(n -> saved.add(n.asText()));
    List<String> now = plora.users().ids();
    if (saved.equals(now)) {
      return;
    }
    int i = 0;
    while (i < Math.min(saved.size(), now.size()) && saved.get(i).equals(now.get(i))) {
      i++;
    }
    throw new IllegalStateException(
        String.format(
            "the checkpoint's user table has %d users, this run's %d; row %d is %s there and %s"
                + " here: resume with the training rows of the checkpointed run",
            saved.size(),
            now.size(),
            i,
            i < saved.size() ? "'" + saved.get(i) + "'" : "absent",
            i < now.size() ? "'" + now.get(i) + "'" : "absent"));
  }
}
