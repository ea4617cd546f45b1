/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import io.persona4j.transport.grpc.TlsCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A self-signed EC key pair made at test time with the JDK's keytool (PKCS12). */
public record TestCerts(Path file, KeyStore keyStore, Certificate certificate) {
  public static final String PASSWORD = "test-password";

  /** CN={@code cn}, SAN localhost and 127.0.0.1, valid 2 days. */
  public static TestCerts generate(Path dir, String cn) throws Exception {
    Path file = dir.resolve(cn + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> cmd =
        List.of(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            cn,
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-sigalg",
            "SHA256withECDSA",
            "-dname",
            "CN=" + cn,
            "-ext",
            "SAN=dns:localhost,ip:127.0.0.1",
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            file.toString(),
            "-storepass",
            PASSWORD,
            "-keypass",
            PASSWORD);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(
          "keytool failed: "
              + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    KeyStore ks = TlsCredentials.loadPkcs12(file, PASSWORD.toCharArray());
    return new TestCerts(file, ks, ks.getCertificate(cn));
  }
}
