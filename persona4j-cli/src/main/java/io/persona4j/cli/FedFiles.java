package io.persona4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.transport.grpc.TlsCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Reading the files of {@code persona4j fed}: the client tokens and TLS trust material. */
final class FedFiles {
  private FedFiles() {}

  /**
   * Reads a tokens file {@code {"client-id": "token", ...}}; errors name the file and the entry.
   */
  static Map<String, String> tokens(Path file) throws IOException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw new IOException(
          "tokens file " + file + ": not valid JSON: " + e.getOriginalMessage() + where, e);
    }
    if (root == null || !root.isObject() || root.isEmpty()) {
      throw new IOException(
          "tokens file " + file + ": must be a non-empty JSON object {\"client-id\": \"token\"}");
    }
    Map<String, String> out = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual() || e.getValue().asText().length() < 8) {
        throw new IOException(
            "tokens file "
                + file
                + ": the token of client '"
                + e.getKey()
                + "' must be a string of at least 8 characters");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Trusted certificates from a PKCS12 file ({@code .p12}/{@code .pfx}, password optional) or a
   * PEM/DER certificate file; errors name the file.
   */
  static KeyStore trustStore(Path file, char[] password) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".p12") || name.endsWith(".pfx")) {
      KeyStore ks = TlsCredentials.loadPkcs12(file, password);
      List<Certificate> certs = new ArrayList<>();
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
      if (certs.isEmpty()) {
        throw new IOException("key store " + file + " holds no certificate");
      }
      return TlsCredentials.trustStore(certs.toArray(Certificate[]::new));
    }
    try (InputStream in = Files.newInputStream(file)) {
      List<Certificate> certs =
          new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
      if (certs.isEmpty()) {
        throw new IOException("certificate file " + file + " holds no certificate");
      }
      return TlsCredentials.trustStore(certs.toArray(Certificate[]::new));
    } catch (CertificateException e) {
      throw new IOException(
          "cannot read certificate file "
              + file
              + " (PEM or DER X.509, or a .p12 key store): "
              + e.getMessage(),
          e);
    }
  }
}
