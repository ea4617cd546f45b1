/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The clients allowed to join a {@link GrpcGrid}: client id to SHA-256 hash of its bearer token
 * (the token itself is never stored). Thread-safe; a client can be revoked at any time, after which
 * it is refused even with the right token.
 */
public final class ClientRegistry {

  /** Why a client was refused, or {@link #OK}. */
  public enum Verdict {
    /** Id known, token matches, not revoked. */
    OK,
    /** The id is not registered. */
    UNKNOWN,
    /** The token does not match. */
    BAD_TOKEN,
    /** The client was revoked. */
    REVOKED,
    /**
     * Token OK, but certificate binding is required and the TLS client certificate's common name is
     * not the client id (or there is no client certificate).
     */
    CERTIFICATE_MISMATCH
  }

  private final Map<String, byte[]> hashes = new HashMap<>();
  private final Set<String> revoked = new HashSet<>();
  private boolean bindCertificates;

  /**
   * Requires (or stops requiring) that a client authenticate over mutual TLS with a certificate
   * whose subject common name (CN) equals its client id: a client holding another client's token
   * but its own certificate, or no certificate, is then refused. Use with {@link
   * TlsCredentials#server} given trusted client certificates.
   */
  public synchronized ClientRegistry requireCertificateIdentity(boolean required) {
    this.bindCertificates = required;
    return this;
  }

  /** Whether a client certificate's CN must equal the client id. */
  public synchronized boolean requiresCertificateIdentity() {
    return bindCertificates;
  }

  /** Registers (or re-registers, un-revoking) a client with its token. */
  public synchronized ClientRegistry register(String clientId, String token) {
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must be non-blank, got " + clientId);
    }
    if (token == null || token.length() < 8) {
      throw new IllegalArgumentException(
          "token of client '" + clientId + "' must have at least 8 characters");
    }
    hashes.put(clientId, hash(token));
    revoked.remove(clientId);
    return this;
  }

  /** Revokes a client: later connections are refused. */
  public synchronized void revoke(String clientId) {
    revoked.add(clientId);
  }

  /** Whether the id is registered (revoked or not). */
  public synchronized boolean isRegistered(String clientId) {
    return hashes.containsKey(clientId);
  }

  /** Whether the client is registered and not revoked. */
  public synchronized boolean isAllowed(String clientId) {
    return hashes.containsKey(clientId) && !revoked.contains(clientId);
  }

  /** Checks a presented id and token (constant-time hash comparison), without a certificate. */
  public synchronized Verdict check(String clientId, String token) {
    return check(clientId, token, null);
  }

  /**
   * Checks a presented id and token and, when {@link #requireCertificateIdentity} is on, that
   * {@code certificateCn} (the common name of the client's TLS certificate, null if none) equals
   * the id.
   */
  public synchronized Verdict check(String clientId, String token, String certificateCn) {
    Verdict v = checkToken(clientId, token);
    if (v == Verdict.OK && bindCertificates && !clientId.equals(certificateCn)) {
      return Verdict.CERTIFICATE_MISMATCH;
    }
    return v;
  }

  private Verdict checkToken(String clientId, String token) {
    byte[] want = hashes.get(clientId);
    if (want == null) {
      return Verdict.UNKNOWN;
    }
    if (!MessageDigest.isEqual(want, hash(token == null ? "" : token))) {
      return Verdict.BAD_TOKEN;
    }
    return revoked.contains(clientId) ? Verdict.REVOKED : Verdict.OK;
  }

  private static byte[] hash(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
