/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

/**
 * The stages of one secure-aggregation round (Bonawitz et al., CCS 2017, semi-honest variant). Each
 * of the first four stages accepts exactly one message type from each client; a round ends in
 * {@link #DONE} or {@link #ABORTED}.
 */
public enum Stage {
  /** Round 0: clients advertise two X25519 public keys. */
  ADVERTISE_KEYS,
  /** Round 1: clients send encrypted Shamir shares of their mask key and self-mask seed. */
  SHARE_KEYS,
  /** Round 2: clients send their masked, fixed-point-encoded inputs. */
  MASKED_INPUT,
  /** Round 4: clients reveal the shares the server needs to remove masks. */
  UNMASKING,
  /** The sum is available. */
  DONE,
  /** Too few clients survived a stage; nothing is revealed. */
  ABORTED
}
