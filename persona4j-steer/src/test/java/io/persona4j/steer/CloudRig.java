/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDManager;
import io.grpc.ServerInterceptor;
import io.persona4j.core.TensorRuntime;
import io.persona4j.steer.cloud.CloudServer;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.device.InProcessCloudConnector;
import io.persona4j.transport.grpc.ClientRegistry;
import io.persona4j.transport.grpc.TlsCredentials;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A tiny cloud/device pair with a TLS gRPC cloud server (client "alice" with a token) and an
 * in-process cloud on the same model, for tests.
 */
final class CloudRig implements AutoCloseable {
  static final String CLIENT = "alice";
  static final String TOKEN = "alice-secret-token";

  final NDManager manager = TensorRuntime.newManager();
  final SteerModel cloud;
  final SteerModel device;
  final CloudService grpcService;
  final CloudServer server;
  final CloudService localService;
  final TestCerts certs;

  CloudRig(Path tmp, CloudServerConfig config, ServerInterceptor... interceptors) throws Exception {
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 1);
    Path d = SteerFixture.device(tmp.resolve("device"), c, 2);
    cloud = SteerModel.load(c, manager);
    device = SteerModel.load(d, manager);
    certs = TestCerts.generate(tmp, "cloud-server");
    ClientRegistry registry =
        new ClientRegistry().register(CLIENT, TOKEN).register("bob", "bob-secret-token");
    grpcService = new CloudService(cloud, config, registry);
    server =
        CloudServer.start(
            grpcService,
            TlsCredentials.server(certs.keyStore(), TestCerts.PASSWORD.toCharArray(), null),
            interceptors);
    // the in-process reference runs one session at a time
    localService = new CloudService(cloud, config.toBuilder().optBatching(false).build(), null);
  }

  /** A TLS connector to the server. */
  GrpcCloudConnector remote(String client, String token) {
    return new GrpcCloudConnector(
        "localhost:" + server.port(),
        TlsCredentials.client(TlsCredentials.trustStore(certs.certificate()), null, null),
        null,
        new CloudConnector.Credentials(client, token),
        Duration.ofSeconds(30));
  }

  GrpcCloudConnector remote() {
    return remote(CLIENT, TOKEN);
  }

  InProcessCloudConnector local() {
    return new InProcessCloudConnector(localService, new CloudConnector.Credentials(CLIENT, TOKEN));
  }

  @Override
  public void close() {
    server.close();
    localService.close();
    device.close();
    cloud.close();
    manager.close();
  }
}
