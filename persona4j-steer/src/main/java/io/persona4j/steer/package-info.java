/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * CoSteer: decoding-time personalization. A cloud model's next-token distribution is steered on the
 * device by a small model run with and without the user's private context; only tokens and
 * distributions cross the wire (module {@code persona4j-steer}).
 */
package io.persona4j.steer;
