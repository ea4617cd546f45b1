/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Tells why a connection that never became ready failed when the cause is a security mismatch: a
 * plaintext client at a TLS server, or a TLS client at a plaintext server. It opens one extra
 * connection and speaks just enough of the other protocol to recognize the server's answer: a TLS
 * ServerHello with a certificate (read with a trust manager that only notes it was asked, no data
 * is ever sent over it), or an HTTP/2 SETTINGS frame in clear. Any other outcome (nothing
 * listening, timeouts, an untrusted certificate of a TLS server) is no mismatch.
 */
final class TransportProbe {

  private static final byte[] HTTP2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  private static final byte SETTINGS_FRAME = 4;

  private TransportProbe() {}

  /**
   * The mismatch between this client's security and the server's at {@code host:port}, if any.
   *
   * @param clientUsesTls whether the client connects with TLS
   */
  static Optional<String> mismatch(String host, int port, boolean clientUsesTls, Duration timeout) {
    String where = host + ":" + port;
    if (clientUsesTls && speaksPlaintextHttp2(host, port, timeout)) {
      return Optional.of(
          "the server at "
              + where
              + " speaks plaintext gRPC, but this client uses TLS: start the server with TLS"
              + " (tls in server.json) or connect without TLS (no --trust)");
    }
    if (!clientUsesTls && speaksTls(host, port, timeout)) {
      return Optional.of(
          "the server at "
              + where
              + " speaks TLS, but this client connects in plaintext: trust the server's"
              + " certificate (--trust server.pem)");
    }
    return Optional.empty();
  }

  /** Whether the server answers an HTTP/2 preface with a SETTINGS frame in clear. */
  static boolean speaksPlaintextHttp2(String host, int port, Duration timeout) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      s.setSoTimeout((int) timeout.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(HTTP2_PREFACE);
      out.write(EMPTY_SETTINGS);
      out.flush();
      InputStream in = s.getInputStream();
      byte[] frame = in.readNBytes(9);
      return frame.length == 9 && frame[3] == SETTINGS_FRAME;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the server answers a TLS ClientHello with a certificate. */
  static boolean speaksTls(String host, int port, Duration timeout) {
    AtomicBoolean certificateSeen = new AtomicBoolean();
    X509TrustManager noting =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("probe only");
          }

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType)
              throws java.security.cert.CertificateException {
            certificateSeen.set(true);
            throw new java.security.cert.CertificateException(
                "probe: certificate noted, never trusted");
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      raw.setSoTimeout((int) timeout.toMillis());
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {noting}, null);
      try (SSLSocket tls =
          (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, false)) {
        tls.startHandshake();
      }
      return certificateSeen.get();
    } catch (IOException | GeneralSecurityException e) {
      return certificateSeen.get();
    }
  }
}
