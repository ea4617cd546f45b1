/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ServerCredentials;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.RoundResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {

  @TempDir static Path dir;
  static SelfSigned server;
  static SelfSigned otherServer;
  static SelfSigned clientCert;
  static SelfSigned strangerCert;

  private static final ParameterSet P =
      ParameterSet.builder().add("x", new int[] {3}, new float[] {1.5f, -2f, 0.25f}).build();

  @BeforeAll
  static void certificates() throws Exception {
    server = SelfSigned.generate(dir, "localhost");
    otherServer = SelfSigned.generate(dir, "impostor");
    clientCert = SelfSigned.generate(dir, "alice");
    strangerCert = otherServer; // any certificate the server does not trust
  }

  private static ChannelCredentials trusting(SelfSigned s, SelfSigned identity) {
    return TlsCredentials.client(
        TlsCredentials.trustStore(s.certificate()),
        identity == null ? null : identity.keyStore(),
        SelfSigned.PASSWORD);
  }

  private static void assertRoundWorks(GridHarness h, String id) {
    RoundResult r =
        h.grid.send(List.of(Instruction.fit(1, id, P, Map.of())), Duration.ofSeconds(10));
    assertThat(r.failures()).isEmpty();
    assertThat(r.replies().get(0).parameters()).isEqualTo(P);
  }

  @Test
  void tlsRoundWorksAndUntrustedOrPlaintextClientsCannotConnect() throws Exception {
    ServerCredentials sc = TlsCredentials.server(server.keyStore(), SelfSigned.PASSWORD, null);
    try (GridHarness h = new GridHarness(sc, trusting(server, null), 0)) {
      h.connect("alice", TestApps.echo());
      assertRoundWorks(h, "alice");
      // a client that trusts another certificate never completes the handshake
      h.registry.register("bob", GridHarness.token("bob"));
      GrpcClient bob =
          GrpcClient.start(
              GrpcClientConfig.builder()
                  .setHost("127.0.0.1")
                  .setPort(h.grid.port())
                  .setClientId("bob")
                  .setToken(GridHarness.token("bob"))
                  .optBackoff(GridHarness.FAST)
                  .optAuthority("localhost")
                  .build(),
              trusting(otherServer, null),
              TestApps.echo());
      GrpcClient plain =
          GrpcClient.start(
              GrpcClientConfig.builder()
                  .setHost("127.0.0.1")
                  .setPort(h.grid.port())
                  .setClientId("bob")
                  .setToken(GridHarness.token("bob"))
                  .optBackoff(GridHarness.FAST)
                  .build(),
              InsecureChannelCredentials.create(),
              TestApps.echo());
      try {
        assertThat(bob.awaitConnected(Duration.ofMillis(1500))).isFalse();
        assertThat(plain.awaitConnected(Duration.ofMillis(300))).isFalse();
        assertThat(bob.connectAttempts()).isGreaterThanOrEqualTo(2);
        assertThat(h.grid.clients()).containsExactly("alice");
      } finally {
        bob.close();
        plain.close();
      }
    }
  }

  @Test
  void mutualTlsRequiresATrustedClientCertificate() throws Exception {
    ServerCredentials sc =
        TlsCredentials.server(
            server.keyStore(),
            SelfSigned.PASSWORD,
            TlsCredentials.trustStore(clientCert.certificate()));
    try (GridHarness h = new GridHarness(sc, trusting(server, clientCert), 0)) {
      h.connect("alice", TestApps.echo());
      assertRoundWorks(h, "alice");
      h.registry.register("mallory", GridHarness.token("mallory"));
      GrpcClient noCert =
          GrpcClient.start(
              GrpcClientConfig.builder()
                  .setHost("127.0.0.1")
                  .setPort(h.grid.port())
                  .setClientId("mallory")
                  .setToken(GridHarness.token("mallory"))
                  .optBackoff(GridHarness.FAST)
                  .optAuthority("localhost")
                  .build(),
              trusting(server, null),
              TestApps.echo());
      GrpcClient untrustedCert =
          GrpcClient.start(
              GrpcClientConfig.builder()
                  .setHost("127.0.0.1")
                  .setPort(h.grid.port())
                  .setClientId("mallory")
                  .setToken(GridHarness.token("mallory"))
                  .optBackoff(GridHarness.FAST)
                  .optAuthority("localhost")
                  .build(),
              trusting(server, strangerCert),
              TestApps.echo());
      try {
        assertThat(noCert.awaitConnected(Duration.ofMillis(1500))).isFalse();
        assertThat(untrustedCert.awaitConnected(Duration.ofMillis(300))).isFalse();
        assertThat(h.grid.clients()).containsExactly("alice");
      } finally {
        noCert.close();
        untrustedCert.close();
      }
    }
  }

  @Test
  void certificateIdentityBindsTheClientCertificateCnToTheClientId() throws Exception {
    SelfSigned bob = SelfSigned.generate(dir, "bob");
    ServerCredentials sc =
        TlsCredentials.server(
            server.keyStore(),
            SelfSigned.PASSWORD,
            TlsCredentials.trustStore(clientCert.certificate(), bob.certificate()));
    try (GridHarness h = new GridHarness(sc, trusting(server, clientCert), 0)) {
      h.registry.requireCertificateIdentity(true);
      h.connect("alice", TestApps.echo()); // certificate CN=alice, id alice: accepted
      assertRoundWorks(h, "alice");
      // bob's valid token, but alice's certificate: refused with a reason, and stops
      h.registry.register("bob", GridHarness.token("bob"));
      GrpcClient stolenToken = h.start("bob", GridHarness.token("bob"), TestApps.echo());
      assertThat(stolenToken.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(stolenToken.refusal()).isPresent();
      assertThat(stolenToken.refusal().get().getCode())
          .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
      assertThat(stolenToken.refusal().get().getDescription())
          .contains("CN 'alice'")
          .contains("client id 'bob'");
      // bob with his own certificate is accepted
      GrpcClient realBob =
          GrpcClient.start(
              GrpcClientConfig.builder()
                  .setHost("127.0.0.1")
                  .setPort(h.grid.port())
                  .setClientId("bob")
                  .setToken(GridHarness.token("bob"))
                  .optBackoff(GridHarness.FAST)
                  .optAuthority("localhost")
                  .build(),
              trusting(server, bob),
              TestApps.echo());
      try {
        assertThat(realBob.awaitConnected(Duration.ofSeconds(10))).isTrue();
        h.awaitClients(List.of("alice", "bob"));
        // binding off: the certificate is no longer compared with the id
        h.registry.requireCertificateIdentity(false);
        assertThat(h.registry.check("bob", GridHarness.token("bob"), "alice"))
            .isEqualTo(ClientRegistry.Verdict.OK);
        h.registry.requireCertificateIdentity(true);
        assertThat(h.registry.check("bob", GridHarness.token("bob"), null))
            .isEqualTo(ClientRegistry.Verdict.CERTIFICATE_MISMATCH);
        assertThat(h.registry.check("bob", "wrong-token", "bob"))
            .isEqualTo(ClientRegistry.Verdict.BAD_TOKEN);
      } finally {
        realBob.close();
      }
    }
  }

  @Test
  void unreadableKeyStoreNamesTheFile() throws IOException {
    Path junk = Files.writeString(dir.resolve("junk.p12"), "not a key store");
    assertThatThrownBy(() -> TlsCredentials.loadPkcs12(junk, SelfSigned.PASSWORD))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("junk.p12");
  }
}
