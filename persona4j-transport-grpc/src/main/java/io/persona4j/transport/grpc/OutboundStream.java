/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import java.io.IOException;

/**
 * Serialises writes to one gRPC stream and respects its flow control: {@link #send} blocks while
 * the transport is not ready, so a large payload is never buffered whole in memory. Counts the
 * serialized bytes written.
 */
final class OutboundStream<T extends MessageLite> {

  private final CallStreamObserver<T> observer;
  private boolean closed;

  OutboundStream(CallStreamObserver<T> observer) {
    this.observer = observer;
  }

  /** To be installed as the stream's on-ready handler. */
  synchronized void onReady() {
    notifyAll();
  }

  /**
   * Writes one message once the transport is ready.
   *
   * @return the serialized size of the message
   * @throws java.io.IOException if the stream is closed
   */
  synchronized int send(T message) throws InterruptedException, IOException {
    while (!closed && !observer.isReady()) {
      wait(50);
    }
    if (closed) {
      throw new IOException("stream closed");
    }
    try {
      observer.onNext(message);
    } catch (RuntimeException e) {
      closed = true;
      throw new IOException("stream failed: " + e.getMessage(), e);
    }
    return message.getSerializedSize();
  }

  /** Marks the stream closed by the peer (pending sends fail). */
  synchronized void markClosed() {
    closed = true;
    notifyAll();
  }

  /** Ends the stream with {@code status} (OK completes it), once. */
  synchronized void close(Status status) {
    if (closed) {
      return;
    }
    closed = true;
    notifyAll();
    try {
      if (status.isOk()) {
        observer.onCompleted();
      } else {
        observer.onError(status.asRuntimeException());
      }
    } catch (RuntimeException ignored) {
      // already cancelled by the peer
    }
  }

  synchronized boolean isClosed() {
    return closed;
  }
}
