/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientRegistryTest {

  @Test
  void verdictsForKnownUnknownWrongTokenAndRevokedClients() {
    ClientRegistry r =
        new ClientRegistry().register("a", "secret-a-123").register("b", "secret-b-123");
    assertThat(r.check("a", "secret-a-123")).isEqualTo(ClientRegistry.Verdict.OK);
    assertThat(r.check("a", "secret-b-123")).isEqualTo(ClientRegistry.Verdict.BAD_TOKEN);
    assertThat(r.check("a", null)).isEqualTo(ClientRegistry.Verdict.BAD_TOKEN);
    assertThat(r.check("zed", "secret-a-123")).isEqualTo(ClientRegistry.Verdict.UNKNOWN);
    r.revoke("b");
    assertThat(r.check("b", "secret-b-123")).isEqualTo(ClientRegistry.Verdict.REVOKED);
    assertThat(r.isRegistered("b")).isTrue();
    assertThat(r.isAllowed("b")).isFalse();
    // re-registering un-revokes, with the new token only
    r.register("b", "new-secret-b");
    assertThat(r.check("b", "new-secret-b")).isEqualTo(ClientRegistry.Verdict.OK);
    assertThat(r.check("b", "secret-b-123")).isEqualTo(ClientRegistry.Verdict.BAD_TOKEN);
    assertThatThrownBy(() -> r.register("c", "short"))
        .hasMessageContaining("token of client 'c' must have at least 8 characters");
    assertThatThrownBy(() -> r.register(" ", "long-enough"))
        .hasMessageContaining("clientId must be non-blank");
  }
}
