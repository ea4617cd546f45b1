/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

/**
 * The compared methods; the head is local in all of them.
 *
 * <ul>
 *   <li>{@code LOCAL}: P_G + P_L trained on the client only.
 *   <li>{@code FEDAVG}: one full prompt P (no P_L) averaged over all clients by FedAvg, in clear.
 *   <li>{@code DP}: the same with client-level DP-FedAvg (clip, central Gaussian noise calibrated
 *       to the target epsilon over the run's rounds).
 *   <li>{@code SECFPP}: secure adaptive clustering of the domain prompts, then P_G securely
 *       aggregated within each cluster, P_L local.
 *   <li>{@code SECFPP_DATA}: a diagnostic variant (not the paper's), the same as {@code SECFPP} but
 *       clustering on each client's mean frozen-encoder embedding of its training texts instead of
 *       its warm-up prompt drift (run on the two-domain setting only).
 * </ul>
 */
public enum SecFppMethod {
  LOCAL,
  FEDAVG,
  DP,
  SECFPP,
  SECFPP_DATA
}
