/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.persona4j.federated.ClientApp;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A loopback {@link GrpcGrid} plus the {@link GrpcClient}s started against it; closes all. */
final class GridHarness implements AutoCloseable {

  static final Backoff FAST = new Backoff(Duration.ofMillis(50), Duration.ofMillis(400), 2, 0.2, 7);

  final ClientRegistry registry = new ClientRegistry();
  final GrpcGrid grid;
  final ChannelCredentials clientCredentials;
  final List<GrpcClient> clients = new ArrayList<>();

  GridHarness() throws IOException {
    this(InsecureServerCredentials.create(), InsecureChannelCredentials.create(), 0);
  }

  GridHarness(ServerCredentials server, ChannelCredentials client, int port) throws IOException {
    grid = GrpcGrid.start(GrpcGridConfig.loopback(port), registry, server);
    clientCredentials = client;
  }

  static String token(String id) {
    return "token-of-" + id;
  }

  /** Registers {@code id}, starts its client and waits until it is connected. */
  GrpcClient connect(String id, ClientApp app) throws InterruptedException {
    registry.register(id, token(id));
    GrpcClient c = start(id, token(id), app);
    assertThat(c.awaitConnected(Duration.ofSeconds(10))).as("client %s connected", id).isTrue();
    return c;
  }

  /** Starts a client with the given token without waiting. */
  GrpcClient start(String id, String token, ClientApp app) {
    GrpcClient c =
        GrpcClient.start(
            GrpcClientConfig.builder()
                .setHost("127.0.0.1")
                .setPort(grid.port())
                .setClientId(id)
                .setToken(token)
                .optBackoff(FAST)
                .optAuthority("localhost")
                .build(),
            clientCredentials,
            app);
    clients.add(c);
    return c;
  }

  /** Waits until the grid lists exactly {@code ids}. */
  void awaitClients(List<String> ids) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (!grid.clients().equals(ids) && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertThat(grid.clients()).isEqualTo(ids);
  }

  @Override
  public void close() {
    clients.forEach(GrpcClient::close);
    grid.close();
  }
}
