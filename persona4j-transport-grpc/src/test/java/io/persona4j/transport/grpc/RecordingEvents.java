/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records a grid's {@link ConnectionEvents} as one line each (what the logging version logs). */
final class RecordingEvents implements ConnectionEvents {

  /** One event: its kind and its line. */
  record Event(String kind, String clientId, String address, String line) {}

  final List<Event> events = new CopyOnWriteArrayList<>();

  @Override
  public void sessionEnded(String clientId, String address, String reason) {
    events.add(new Event("session", clientId, address, reason));
  }

  @Override
  public void loginRefused(
      String address, String claimedId, String reason, int failures, Duration nextDelay) {
    events.add(
        new Event(
            "login",
            claimedId,
            address,
            reason + " (" + failures + " failures, next delay " + nextDelay.toMillis() + " ms)"));
  }

  @Override
  public void connectionRefused(String address, String reason) {
    events.add(new Event("connection", null, address, reason));
  }

  @Override
  public void clientsChanged(String description) {
    events.add(new Event("clients", null, null, description));
  }

  List<Event> of(String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).toList();
  }

  List<Event> sessionsOf(String clientId) {
    return events.stream()
        .filter(e -> e.kind().equals("session") && clientId.equals(e.clientId()))
        .toList();
  }
}
