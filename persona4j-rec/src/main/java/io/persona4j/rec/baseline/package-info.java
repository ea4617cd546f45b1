/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Non-learned reference recommenders ({@link io.persona4j.rec.baseline.Popularity}). */
package io.persona4j.rec.baseline;
