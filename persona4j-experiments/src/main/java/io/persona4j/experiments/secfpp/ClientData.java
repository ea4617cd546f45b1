/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import java.util.List;

/**
 * One client's labelled texts.
 *
 * @param trainTexts training texts
 * @param trainLabels their classes
 * @param testTexts test texts (same label distribution as the client's training data)
 * @param testLabels their classes
 */
public record ClientData(
    List<String> trainTexts,
    List<Integer> trainLabels,
    List<String> testTexts,
    List<Integer> testLabels) {
  /** Copies and checks the lists' lengths. */
  public ClientData {
    if (trainTexts.size() != trainLabels.size() || testTexts.size() != testLabels.size()) {
      throw new IllegalArgumentException("texts and labels differ in length");
    }
    trainTexts = List.copyOf(trainTexts);
    trainLabels = List.copyOf(trainLabels);
    testTexts = List.copyOf(testTexts);
    testLabels = List.copyOf(testLabels);
  }
}
