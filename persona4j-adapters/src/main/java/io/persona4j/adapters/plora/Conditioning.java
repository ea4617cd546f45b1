/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What every {@link PLoraLinear} of one {@link PLoraModel} reads during a forward pass: the batch's
 * user vectors {@code [B, d_u]} (null: no user, the user term is dropped), or, for merged layers, a
 * server's cached per-layer user biases {@code [B, out]}; training mode; and, while the
 * mutual-information term is computed, the list each layer adds its LoRA output with and without
 * the user to. One per model; set and cleared around a forward pass by {@link PLoraModel#condition}
 * and friends. Not thread-safe.
 */
public final class Conditioning {
  private NDArray vectors;
  private Map<String, NDArray> biases;
  private boolean training;
  private List<NDArray[]> miPairs;
  private NDManager miManager;

  Conditioning() {}

  /** The batch's user vectors {@code [B, d_u]}, or null. */
  NDArray vectors() {
    return vectors;
  }

  /** The cached bias {@code [B, out]} of layer {@code path}, or null. */
  NDArray bias(String path) {
    return biases == null ? null : biases.get(path);
  }

  boolean training() {
    return training;
  }

  void setTraining(boolean training) {
    this.training = training;
  }

  void set(NDArray vectors, Map<String, NDArray> biases) {
    this.vectors = vectors;
    this.biases = biases;
  }

  void clear() {
    vectors = null;
    biases = null;
    miPairs = null;
    miManager = null;
  }

  /**
   * Starts collecting (with user, without user) LoRA outputs of every layer; they are moved onto
   * {@code keep} (the encoder frees its temporaries when its forward pass returns).
   */
  void startMiRecording(NDManager keep) {
    miPairs = new ArrayList<>();
    miManager = keep;
  }

  boolean recordingMi() {
    return miPairs != null;
  }

  /** Adds a layer's pair, moved onto the recording's manager. */
  void record(NDArray withUser, NDArray withoutUser) {
    NDScope.unregister(withUser, withoutUser);
    withUser.attach(miManager);
    withoutUser.attach(miManager);
    miPairs.add(new NDArray[] {withUser, withoutUser});
  }

  /** The pairs recorded since {@link #startMiRecording}, in layer order; stops recording. */
  List<NDArray[]> takeMiPairs() {
    List<NDArray[]> out = miPairs == null ? List.of() : Collections.unmodifiableList(miPairs);
    miPairs = null;
    miManager = null;
    return out;
  }
}
