/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.core.train.Example;
import io.persona4j.rec.llara.RecSample;
import java.util.List;

/**
 * One federated client's share of the data: its users' training examples (prompt + answer,
 * tokenized), validation examples (for the per-round validation loss) and test samples (with their
 * 20 candidates). Nothing here is shared with the server or other clients.
 *
 * @param id the client id on the grid
 * @param users the client's dense user indices, ascending
 * @param train training examples (loss on the answer tokens)
 * @param valid one validation example per user
 * @param test the evaluated test samples
 * @param validSamples the samples behind {@code valid} with their 20 candidates (for validation
 *     HR@1 when hyper-parameters are chosen; may be empty)
 */
public record ClientData(
    String id,
    int[] users,
    List<Example> train,
    List<Example> valid,
    List<RecSample> test,
    List<RecSample> validSamples) {
  /** A client without validation samples for ranking. */
  public ClientData(
      String id, int[] users, List<Example> train, List<Example> valid, List<RecSample> test) {
    this(id, users, train, valid, test, List.of());
  }

  /** Copies the lists; a client needs at least one training and one validation example. */
  public ClientData {
    users = users.clone();
    train = List.copyOf(train);
    valid = List.copyOf(valid);
    test = List.copyOf(test);
    validSamples = List.copyOf(validSamples);
    if (!validSamples.isEmpty() && validSamples.size() != valid.size()) {
      throw new IllegalArgumentException(
          "client "
              + id
              + ": "
              + validSamples.size()
              + " validation samples for "
              + valid.size()
              + " validation examples");
    }
    if (train.isEmpty()) {
      throw new IllegalArgumentException("client " + id + ": no training examples");
    }
    if (valid.isEmpty()) {
      throw new IllegalArgumentException("client " + id + ": no validation examples");
    }
  }

  @Override
  public int[] users() {
    return users.clone();
  }
}
