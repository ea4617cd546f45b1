/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS credentials for {@link GrpcGrid} and {@link GrpcClient} from JDK key stores (e.g. a PKCS12
 * file made with {@code keytool}). Passing trusted client certificates to {@link #server} turns on
 * mutual TLS: clients without a certificate chaining to one of them cannot connect at all (the
 * token check still applies on top).
 */
public final class TlsCredentials {

  private TlsCredentials() {}

  /** Loads a PKCS12 key store; the error names the file. */
  public static KeyStore loadPkcs12(Path file, char[] password) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password);
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException("cannot read PKCS12 key store " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Trusted certificates from a file: a PKCS12 key store ({@code .p12}/{@code .pfx}, password
   * optional; all its certificates) or PEM/DER X.509 certificates. Errors name the file.
   */
  public static KeyStore loadTrustStore(Path file, char[] password) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Certificate> certs = new ArrayList<>();
    if (name.endsWith(".p12") || name.endsWith(".pfx")) {
      KeyStore ks = loadPkcs12(file, password);
      try {
        for (String alias : Collections.list(ks.aliases())) {
          Certificate c = ks.getCertificate(alias);
          if (c != null) {
            certs.add(c);
          }
        }
      } catch (KeyStoreException e) {
        throw new IOException("cannot read key store " + file + ": " + e.getMessage(), e);
      }
    } else {
      try (InputStream in = Files.newInputStream(file)) {
        certs.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
      } catch (CertificateException e) {
        throw new IOException(
            "cannot read certificate file "
                + file
                + " (PEM or DER X.509, or a .p12 key store): "
                + e.getMessage(),
            e);
      }
    }
    if (certs.isEmpty()) {
      throw new IOException(file + " holds no certificate");
    }
    return trustStore(certs.toArray(Certificate[]::new));
  }

  /** An in-memory trust store holding exactly {@code certificates}. */
  public static KeyStore trustStore(Certificate... certificates) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < certificates.length; i++) {
        ks.setCertificateEntry("trusted-" + i, certificates[i]);
      }
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust store: " + e.getMessage(), e);
    }
  }

  /**
   * Server credentials.
   *
   * @param identity key store with the server's private key and certificate chain
   * @param keyPassword password of the private key
   * @param trustedClients certificates client certificates must chain to (mutual TLS, clients must
   *     present one), or null for server-only TLS
   */
  public static ServerCredentials server(
      KeyStore identity, char[] keyPassword, KeyStore trustedClients) {
    try {
      TlsServerCredentials.Builder b =
          TlsServerCredentials.newBuilder().keyManager(keyManagers(identity, keyPassword));
      if (trustedClients != null) {
        b.trustManager(trustManagers(trustedClients))
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("bad server TLS material: " + e.getMessage(), e);
    }
  }

  /**
   * Client credentials.
   *
   * @param trustedServers certificates the server certificate must chain to
   * @param identity the client's key store for mutual TLS, or null
   * @param keyPassword password of the client's private key (ignored without identity)
   */
  public static ChannelCredentials client(
      KeyStore trustedServers, KeyStore identity, char[] keyPassword) {
    try {
      TlsChannelCredentials.Builder b =
          TlsChannelCredentials.newBuilder().trustManager(trustManagers(trustedServers));
      if (identity != null) {
        b.keyManager(keyManagers(identity, keyPassword));
      }
      return b.build();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("bad client TLS material: " + e.getMessage(), e);
    }
  }

  /**
   * The common name (CN) of the peer's TLS certificate, or null without TLS or a client
   * certificate: what {@link ClientRegistry#check(String, String, String)} compares with the client
   * id when certificate identity is required.
   */
  public static String peerCommonName(SSLSession ssl) {
    return ssl == null ? null : GrpcGrid.commonName(ssl);
  }

  private static KeyManager[] keyManagers(KeyStore ks, char[] password)
      throws GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    return kmf.getKeyManagers();
  }

  private static TrustManager[] trustManagers(KeyStore ks) throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return tmf.getTrustManagers();
  }
}
