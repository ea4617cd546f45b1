/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Personalized serving: the per-user adapter store and the OpenAI-compatible HTTP server that
 * batches many users' adapters (module {@code persona4j-serve}; depends on core and adapters).
 */
package io.persona4j.serve;
