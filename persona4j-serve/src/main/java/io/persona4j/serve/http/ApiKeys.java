/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * API keys, stored hashed: a JSON-lines file with one key per line, {@code {"name", "role", "user",
 * "sha256", "created"}}. Keys are 256 random bits ({@code p4j-} + base64url), so one SHA-256 is
 * enough to store them (the file reveals no key); a key is checked by hashing what the client sent
 * and comparing in constant time.
 *
 * <p>Roles: {@code admin} (any user, and the admin endpoints), {@code service} (any user: a trusted
 * backend that names its end users), {@code user} (bound to one user id: it reaches only that
 * user's adapter, and a request for another user is refused with 403).
 */
public final class ApiKeys {
  /** What a key may do. */
  public enum Role {
    ADMIN,
    SERVICE,
    USER
  }

  /** Who a request acts for. */
  public record Principal(String name, Role role, String user) {
    /** Whether this principal may send requests as {@code requested} (null: the base model). */
    public boolean mayActAs(String requested) {
      return role != Role.USER || requested == null || requested.equals(user);
    }

    public boolean admin() {
      return role == Role.ADMIN;
    }
  }

  private record Entry(Principal principal, byte[] hash) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final List<Entry> entries;

  private ApiKeys(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Reads a keys file.
   *
   * @throws IOException naming the file, line and field of a malformed entry
   */
  public static ApiKeys load(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + ":" + (i + 1);
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (IOException e) {
        throw new IOException(where + ": not a JSON object: " + e.getMessage(), e);
      }
      String name = n.path("name").asText("");
      String hex = n.path("sha256").asText("");
      String roleText = n.path("role").asText("");
      Role role;
      try {
        role = Role.valueOf(roleText.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IOException(where + ": role '" + roleText + "' is not admin, service or user");
      }
      String user = n.hasNonNull("user") ? n.get("user").asText() : null;
      if (name.isBlank()) {
        throw new IOException(where + ": field name is missing");
      }
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new IOException(where + ": field sha256 must be 64 lowercase hex digits");
      }
      if (role == Role.USER && (user == null || user.isBlank())) {
        throw new IOException(where + ": a key of role user needs the field user");
      }
      if (role != Role.USER && user != null) {
        throw new IOException(where + ": only keys of role user are bound to a user");
      }
      for (Entry e : entries) {
        if (e.principal().name().equals(name)) {
          throw new IOException(where + ": the name '" + name + "' is used twice");
        }
      }
      entries.add(new Entry(new Principal(name, role, user), HexFormat.of().parseHex(hex)));
    }
    return new ApiKeys(entries);
  }

  /**
   * Creates a key, appends its hash to {@code file} (created with owner-only permissions) and
   * returns the key itself, which is shown once and stored nowhere.
   */
  public static String create(Path file, String name, Role role, String user) throws IOException {
    if (Files.exists(file)) {
      for (Entry e : load(file).entries) {
        if (e.principal().name().equals(name)) {
          throw new IOException(file + ": a key named '" + name + "' exists already");
        }
      }
    } else {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
    }
    if ((role == Role.USER) != (user != null)) {
      throw new IllegalArgumentException("a key is bound to a user exactly when its role is user");
    }
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String key = "p4j-" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    ObjectNode n = JSON.createObjectNode();
    n.put("name", name);
    n.put("role", role.name().toLowerCase(Locale.ROOT));
    if (user != null) {
      n.put("user", user);
    }
    n.put("sha256", HexFormat.of().formatHex(sha256(key)));
    n.put("created", Instant.now().toString());
    Files.writeString(file, n.toString() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    return key;
  }

  /** The principal of {@code key}, or empty if it is not a valid key. */
  public Optional<Principal> authenticate(String key) {
    if (key == null || key.isEmpty()) {
      return Optional.empty();
    }
    byte[] h = sha256(key);
    Principal found = null;
    for (Entry e : entries) { // every entry, so the time does not tell which one matched
      if (MessageDigest.isEqual(h, e.hash()) && found == null) {
        found = e.principal();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return entries.size();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
