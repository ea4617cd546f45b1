/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InsecureChannelCredentials;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A client that cannot reach its server reports every retry and gives up when told to. */
class GrpcClientGiveUpTest {
  private static int unusedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static GrpcClientConfig.Builder config(int port) {
    return GrpcClientConfig.builder()
        .setHost("127.0.0.1")
        .setPort(port)
        .setClientId("a")
        .setToken(GridHarness.token("a"))
        .optBackoff(GridHarness.FAST);
  }

  @Test
  void retriesAreReportedAndTheClientGivesUpAfterTheConfiguredTime() throws Exception {
    List<GrpcClient.Retry> retries = new CopyOnWriteArrayList<>();
    GrpcClient c =
        GrpcClient.start(
            config(unusedPort()).optGiveUpAfter(Duration.ofMillis(800)).build(),
            InsecureChannelCredentials.create(),
            TestApps.echo(),
            retries::add);
    try {
      assertThat(c.awaitStopped(Duration.ofSeconds(30))).isTrue();
    } finally {
      c.close();
    }
    assertThat(c.gaveUp()).get().asString().contains("no connection to the server for 0.8 s");
    assertThat(c.finished()).isFalse();
    assertThat(c.refusal()).isEmpty();
    assertThat(retries).isNotEmpty();
    assertThat(retries.get(0).failuresInARow()).isEqualTo(1);
    assertThat(retries.get(0).reason()).contains("cannot reach 127.0.0.1:");
    assertThat(retries).allSatisfy(r -> assertThat(r.giveUpIn()).isPositive());
  }

  @Test
  void withoutAGiveUpTimeTheClientKeepsTrying() throws Exception {
    List<GrpcClient.Retry> retries = new CopyOnWriteArrayList<>();
    GrpcClient c =
        GrpcClient.start(
            config(unusedPort()).build(),
            InsecureChannelCredentials.create(),
            TestApps.echo(),
            retries::add);
    try {
      assertThat(c.awaitStopped(Duration.ofMillis(1500))).isFalse();
      assertThat(c.gaveUp()).isEmpty();
      assertThat(retries).isNotEmpty().allSatisfy(r -> assertThat(r.giveUpIn()).isNull());
    } finally {
      c.close();
    }
  }
}
