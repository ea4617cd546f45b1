/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.device;

import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DeviceMessage;
import java.time.Duration;

/**
 * One session's transport as the device sees it: messages to the cloud, and the cloud's messages in
 * arrival order. Implementations: a gRPC stream ({@link GrpcCloudConnector}) or a direct hand-over
 * to a cloud session in the same process ({@link InProcessCloudConnector}); both carry serialized
 * protobuf messages, so validation and byte counts are the same.
 */
public interface CloudLink extends AutoCloseable {

  /** Sends a message to the cloud. */
  void send(DeviceMessage message);

  /**
   * The next message from the cloud.
   *
   * @return the message, or null when the cloud completed its stream
   * @throws SteerSessionException TIMEOUT when nothing arrives within {@code timeout}, TRANSPORT
   *     when the connection broke
   */
  CloudMessage receive(Duration timeout) throws InterruptedException;

  /** Half-closes and releases the transport. Idempotent. */
  @Override
  void close();
}
