/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * The SecFPP experiment ({@code persona4j fed experiment secfpp}): prompt personalization on a
 * frozen encoder over clients with heterogeneous labels, comparing SecFPP with local-only prompts,
 * FedAvg on full prompts and DP-FedAvg prompts.
 */
package io.persona4j.experiments.secfpp;
