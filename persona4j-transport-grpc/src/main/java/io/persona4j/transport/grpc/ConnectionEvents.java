/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link GrpcGrid} reports about its connections, one call per event: every ended client
 * session (once, with the reason), every refused login (never with the token), every connection
 * refused by a limit, and every change of the allowed clients. {@link #logging()} writes one log
 * line per event; tests record them.
 */
public interface ConnectionEvents {

  /**
   * A stream's session ended.
   *
   * @param clientId the authenticated client, or null for a stream that never authenticated
   * @param address the remote address
   * @param reason why, e.g. {@code malformed message: ...}, {@code no hello within 10 s}
   */
  void sessionEnded(String clientId, String address, String reason);

  /**
   * A login was refused.
   *
   * @param address the remote address
   * @param claimedId the client id the hello named (sanitized: printable, at most 64 characters)
   * @param reason why ({@code unknown client or bad token}, {@code revoked}, ...)
   * @param failures failed logins from this address so far (within the throttle's memory)
   * @param nextDelay how long the address's next attempt will wait
   */
  void loginRefused(
      String address, String claimedId, String reason, int failures, Duration nextDelay);

  /** A TCP connection was closed at once because of a connection limit. */
  void connectionRefused(String address, String reason);

  /** The allowed clients changed on a running server (revocation, tokens file reloaded). */
  void clientsChanged(String description);

  /** One slf4j line per event ({@code WARN} for refusals, {@code INFO} otherwise). */
  static ConnectionEvents logging() {
    Logger log = LoggerFactory.getLogger(GrpcGrid.class);
    return new ConnectionEvents() {
      @Override
      public void sessionEnded(String clientId, String address, String reason) {
        log.info(
            "session of {} from {} ended: {}",
            clientId == null ? "an unauthenticated stream" : "client '" + clientId + "'",
            address,
            reason);
      }

      @Override
      public void loginRefused(
          String address, String claimedId, String reason, int failures, Duration nextDelay) {
        log.warn(
            "refused login of '{}' from {}: {} ({} failed logins from this address; its next"
                + " attempt waits {} ms)",
            claimedId,
            address,
            reason,
            failures,
            nextDelay.toMillis());
      }

      @Override
      public void connectionRefused(String address, String reason) {
        log.warn("refused connection from {}: {}", address, reason);
      }

      @Override
      public void clientsChanged(String description) {
        log.info("allowed clients changed: {}", description);
      }
    };
  }

  /** {@code s} safe for one log line: printable ASCII, at most 64 characters. */
  static String sanitize(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 64; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 64 ? b + "..." : b.toString();
  }
}
