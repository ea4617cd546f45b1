/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Privacy primitives on plain arrays, with no dependency beyond the JDK: fixed-point encoding,
 * prime-field arithmetic and Shamir secret sharing, secure aggregation as explicit state machines,
 * differential-privacy mechanisms and accounting.
 */
package io.persona4j.privacy;
