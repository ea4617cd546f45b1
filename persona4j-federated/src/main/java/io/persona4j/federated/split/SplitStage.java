/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

/**
 * The stages of one split-learning step, in order, as the server asks for them; each is one {@link
 * io.persona4j.federated.Instruction} carrying its wire name in the config entry {@value
 * SplitProtocol#STAGE}.
 */
public enum SplitStage {
  /** Client: next batch, embed, run the front layers; reply hidden states of layer k and mask. */
  FRONT_FORWARD("front_forward"),
  /**
   * Client: run the tail on the server's hidden states, the loss on its labels and the backward
   * pass; update the tail adapter (with clipping on: defer it to {@link #CLIP_STEP}); reply the
   * gradient of the loss by the server's hidden states.
   */
  TAIL("tail"),
  /**
   * Client: backpropagate the server's gradient through the front layers and update them; with
   * clipping on, reply the squared gradient norm ({@value SplitProtocol#GRAD_SQUARED_NORM}) of the
   * front and tail instead and wait for {@link #CLIP_STEP}.
   */
  FRONT_BACKWARD("front_backward"),
  /**
   * Client, only with clipping on: scale the step's front and tail gradients by the server's
   * global-norm scale ({@value SplitProtocol#CLIP_SCALE}) and update them.
   */
  CLIP_STEP("clip_step"),
  /** No split ({@code k = 0}): one whole local training step on the client. */
  LOCAL("local"),
  /** Client: drop the pending step (after a failure) and wait for a new step. */
  ABORT("abort");

  private final String wireName;

  SplitStage(String wireName) {
    this.wireName = wireName;
  }

  /** The name in the instruction's config. */
  public String wireName() {
    return wireName;
  }

  /**
   * The stage of a wire name.
   *
   * @throws IllegalArgumentException naming the value and the known names
   */
  public static SplitStage parse(String wireName) {
    for (SplitStage s : values()) {
      if (s.wireName.equals(wireName)) {
        return s;
      }
    }
    StringBuilder known = new StringBuilder();
    for (SplitStage s : values()) {
      known.append(known.isEmpty() ? "" : ", ").append(s.wireName);
    }
    throw new IllegalArgumentException(
        "unknown " + SplitProtocol.STAGE + " '" + wireName + "' (known: " + known + ")");
  }
}
