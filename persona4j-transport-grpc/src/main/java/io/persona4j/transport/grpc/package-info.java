/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * The federated {@code Grid} over gRPC: protobuf messages, parameters streamed in chunks, TLS with
 * optional mutual TLS, per-client authentication tokens.
 */
package io.persona4j.transport.grpc;
