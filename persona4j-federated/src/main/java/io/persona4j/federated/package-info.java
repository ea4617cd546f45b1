/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * The federated engine: strategies that configure rounds and aggregate replies, a transport
 * interface ({@code Grid}) with an in-memory implementation, client applications, and the round
 * loop with deadlines, validation and failure accounting.
 */
package io.persona4j.federated;
