/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.device;

import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.CloudMessage;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The receiving half of a {@link CloudLink}: cloud messages queued in arrival order. */
abstract class QueueLink implements CloudLink {
  private static final Object COMPLETED = new Object();

  private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();

  /** Called by the transport for each message from the cloud. */
  final void deliver(CloudMessage m) {
    inbox.add(m);
  }

  /** Called by the transport when the cloud completed its stream. */
  final void completed() {
    inbox.add(COMPLETED);
  }

  /** Called by the transport when the connection broke. */
  final void failed(String why) {
    inbox.add(new SteerSessionException(SteerSessionException.Code.TRANSPORT, why));
  }

  @Override
  public final CloudMessage receive(Duration timeout) throws InterruptedException {
    Object o = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (o == null) {
      throw new SteerSessionException(
          SteerSessionException.Code.TIMEOUT,
          "no message from the cloud within " + timeout.toMillis() + " ms");
    }
    if (o == COMPLETED) {
      inbox.add(COMPLETED); // stays completed
      return null;
    }
    if (o instanceof SteerSessionException e) {
      inbox.add(e);
      throw new SteerSessionException(e.code(), e.reason());
    }
    return (CloudMessage) o;
  }
}
