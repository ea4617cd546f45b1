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
 * @param validTexts validation texts, drawn from the training source and disjoint from the client's
 *     training and test texts (empty where the preset asks for no validation split)
 * @param validLabels their classes
 * @param testTexts test texts (same label distribution as the client's training data)
 * @param testLabels their classes
 */
public record ClientData(
    List<String> trainTexts,
    List<Integer> trainLabels,
    List<String> validTexts,
    List<Integer> validLabels,
    List<String> testTexts,
    List<Integer> testLabels) {
  /** Copies and checks the lists' lengths. */
  public ClientData {
    if (trainTexts.size() != trainLabels.size()
        || validTexts.size() != validLabels.size()
        || testTexts.size() != testLabels.size()) {
      throw new IllegalArgumentException(
          "texts and labels differ in length: train "
              + trainTexts.size()
              + "/"
              + trainLabels.size()
              + ", valid "
              + validTexts.size()
              + "/"
              + validLabels.size()
              + ", test "
              + testTexts.size()
              + "/"
              + testLabels.size());
    }
    trainTexts = List.copyOf(trainTexts);
    trainLabels = List.copyOf(trainLabels);
    validTexts = List.copyOf(validTexts);
    validLabels = List.copyOf(validLabels);
    testTexts = List.copyOf(testTexts);
    testLabels = List.copyOf(testLabels);
  }

  /** A client without a validation split. */
  public ClientData(
      List<String> trainTexts,
      List<Integer> trainLabels,
      List<String> testTexts,
      List<Integer> testLabels) {
    this(trainTexts, trainLabels, List.of(), List.of(), testTexts, testLabels);
  }

  /** This client with {@code texts} and {@code labels} as its validation split. */
  public ClientData withValidation(List<String> texts, List<Integer> labels) {
    return new ClientData(trainTexts, trainLabels, texts, labels, testTexts, testLabels);
  }
}
