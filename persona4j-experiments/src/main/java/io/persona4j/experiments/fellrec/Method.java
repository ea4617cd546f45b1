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
