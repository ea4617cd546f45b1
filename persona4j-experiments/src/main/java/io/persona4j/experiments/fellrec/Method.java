/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

/** The methods compared by the FELLRec experiment, in table order. */
public enum Method {
  /** Each client trains its own LoRA on its own data; nothing is sent. */
  LOCAL_ONLY("Local only"),
  /** One global LoRA, sample-weighted averaging every round. */
  FEDAVG("FedAvg-LoRA"),
  /** FedAvg with the proximal term in local training. */
  FEDPROX("FedProx-LoRA"),
  /**
   * Personalized aggregation of the middle layers' LoRA with curriculum heating; the first k and
   * the last layer's LoRA stay on the client.
   */
  FELLREC("FELLRec"),
  /**
   * FELLRec with real split learning: the client runs the embedding, the first k layers, the last
   * layer and the LM head, the server the middle layers; hidden states and gradients cross the grid
   * every step, and the server aggregates the middle LoRA as {@link #FELLREC} does (see {@link
   * SplitLearningFellRec}). Needs k >= 1.
   */
  FELLREC_SPLIT("FELLRec (split learning)"),
  /** All data in one client (the privacy-violating upper bound). */
  CENTRALIZED("Centralized LoRA");

  private final String label;

  Method(String label) {
    this.label = label;
  }

  /** The name in tables and charts. */
  public String label() {
    return label;
  }

  /** Whether the method talks to a server. */
  public boolean federated() {
    return this != LOCAL_ONLY;
  }
}
