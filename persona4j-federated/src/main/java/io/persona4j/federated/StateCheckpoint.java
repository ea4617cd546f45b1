/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.model.Provenance;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Atomic checkpoint of a {@link ServerState} in a directory: a binary file {@code state-NNNNNN.bin}
 * (global set, then each client id and personal set) and {@code state.json} (format, {@code
 * format_version}, {@code code_version}, round, binary file name, its length and SHA-256, tensor
 * layout, client ids). Checkpoints written before {@link FormatVersion} named the version {@code
 * version}; they load as before.
 *
 * <p>Each file is written through {@link AtomicFiles} (a temporary name, forced to disk, renamed
 * atomically); {@code state.json} is renamed last and is the commit point, so after a crash at any
 * moment {@link #load()} sees either the previous or the new state, complete. Older binaries are
 * removed after the commit.
 */
public final class StateCheckpoint {

  /** Format name in {@code state.json}. */
  public static final String FORMAT = "persona4j-federated-state";

  private static final int VERSION = 2;
  private static final String JSON = "state.json";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path dir;

  /** A checkpoint in {@code dir} (created on first save). */
  public StateCheckpoint(Path dir) {
    this.dir = dir;
  }

  /** A loaded checkpoint: the server state and the strategy's own state ("" if none). */
  public record Saved(ServerState state, String strategyState) {}

  /** Writes {@code state} atomically, replacing the previous checkpoint. */
  public void save(ServerState state) throws IOException {
    save(state, "");
  }

  /**
   * Writes {@code state} and the strategy's state ({@link Strategy#checkpointState()}) atomically,
   * replacing the previous checkpoint; both are covered by the SHA-256 in {@code state.json}.
   */
  public void save(ServerState state, String strategyState) throws IOException {
    Files.createDirectories(dir);
    String binName = String.format("state-%06d.bin", state.round());
    byte[] bin = encode(state, strategyState == null ? "" : strategyState);
    AtomicFiles.write(dir.resolve(binName), bin);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", FORMAT);
    json.put(FormatVersion.FIELD, VERSION);
    json.put(FormatVersion.CODE_FIELD, Provenance.codeVersion());
    json.put("round", state.round());
    json.put("binary", binName);
    json.put("bytes", bin.length);
    json.put("sha256", sha256(bin));
    json.put(
        "tensors",
        state.global().specs().stream()
            .map(s -> Map.of("name", s.name(), "shape", s.shape(), "dtype", s.dtype().name()))
            .toList());
    json.put("clients", List.copyOf(state.personalized().keySet()));
    AtomicFiles.write(
        dir.resolve(JSON), MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "state-*.bin")) {
      for (Path p : old) {
        if (!p.getFileName().toString().equals(binName)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The last committed state, or empty if there is no checkpoint in the directory. */
  public Optional<ServerState> load() throws IOException {
    return loadSaved().map(Saved::state);
  }

  /**
   * The last committed state with the strategy's state, or empty if there is no checkpoint. Version
   * 1 checkpoints (written before strategy state existed) load with an empty strategy state.
   */
  public Optional<Saved> loadSaved() throws IOException {
    Path jsonPath = dir.resolve(JSON);
    if (!Files.exists(jsonPath)) {
      return Optional.empty();
    }
    JsonNode json;
    try {
      json = MAPPER.readTree(jsonPath.toFile());
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(
          jsonPath, null, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (json == null || !FORMAT.equals(json.path("format").asText())) {
      throw new ModelFormatException(
          jsonPath,
          "field 'format' = " + (json == null ? null : json.get("format")) + ", not " + FORMAT);
    }
    String field =
        json.has(FormatVersion.FIELD) ? FormatVersion.FIELD : "version"; // older checkpoints
    int version = FormatVersion.check(jsonPath, field, json.get(field), 1, VERSION);
    Path binPath = dir.resolve(json.path("binary").asText());
    if (!binPath.getParent().equals(dir) || !Files.exists(binPath)) {
      throw new IOException(jsonPath + ": binary file " + binPath + " is missing");
    }
    byte[] bin = Files.readAllBytes(binPath);
    if (bin.length != json.path("bytes").asLong()
        || !sha256(bin).equals(json.path("sha256").asText())) {
      throw new IOException(binPath + ": length or SHA-256 differs from " + jsonPath);
    }
    Saved saved = decode(bin, version);
    if (saved.state().round() != json.path("round").asInt()) {
      throw new IOException(
          binPath + ": round " + saved.state().round() + " differs from " + jsonPath);
    }
    return Optional.of(saved);
  }

  private static byte[] encode(ServerState state, String strategyState) throws IOException {
    var buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(buf))) {
      out.writeInt(state.round());
      state.global().writeTo(out);
      out.writeInt(state.personalized().size());
      for (Map.Entry<String, ParameterSet> e : state.personalized().entrySet()) {
        out.writeUTF(e.getKey());
        e.getValue().writeTo(out);
      }
      byte[] text = strategyState.getBytes(StandardCharsets.UTF_8);
      out.writeInt(text.length);
      out.write(text);
    }
    return buf.toByteArray();
  }

  private static Saved decode(byte[] bin, int version) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(new ByteArrayInputStream(bin)))) {
      int round = in.readInt();
      ParameterSet global = ParameterSet.readFrom(in);
      int n = in.readInt();
      Map<String, ParameterSet> personal = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        String id = in.readUTF();
        personal.put(id, ParameterSet.readFrom(in));
      }
      String strategyState = "";
      if (version >= 2) {
        int len = in.readInt();
        if (len < 0 || len > bin.length) {
          throw new IOException("strategy state length " + len + " out of range");
        }
        strategyState = new String(in.readNBytes(len), StandardCharsets.UTF_8);
      }
      if (in.read() != -1) {
        throw new IOException("trailing bytes after the state");
      }
      return new Saved(new ServerState(round, global, personal), strategyState);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
