/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

/**
 * Accounting of one client in one round, measured by the {@link Grid}.
 *
 * @param clientId the client
 * @param bytesDown bytes sent to the client
 * @param bytesUp bytes received from the client (0 when it did not answer)
 * @param localNanos time the client spent on the task (up to the deadline for a straggler)
 */
public record ClientStats(String clientId, long bytesDown, long bytesUp, long localNanos) {}
