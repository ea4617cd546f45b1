/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties a {@link LoraModel}'s adapters to its base model: the base's {@link ModelFingerprint} is
 * recorded in every adapter saved and compared with the one recorded in every adapter loaded. The
 * fingerprint comes from the directory the model was loaded from ({@link
 * AdaptableModel#checkpointDirectory}), computed on first use (cached per process), or is set.
 */
final class BaseModelGuard {
  private static final Logger LOG = LoggerFactory.getLogger(BaseModelGuard.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AdaptableModel model;
  private String fingerprint;
  private boolean resolved;
  private boolean allowMismatch;

  BaseModelGuard(AdaptableModel model) {
    this.model = model;
  }

  /** The base model's fingerprint, if known. */
  Optional<String> fingerprint() throws IOException {
    if (!resolved) {
      Optional<Path> dir = model.checkpointDirectory();
      fingerprint = dir.isPresent() ? ModelFingerprint.of(dir.get()) : null;
      resolved = true;
    }
    return Optional.ofNullable(fingerprint);
  }

  void setFingerprint(String value) {
    fingerprint = ModelFingerprint.requireWellFormed(value, "base model fingerprint");
    resolved = true;
  }

  void setAllowMismatch(boolean allow) {
    allowMismatch = allow;
  }

  /**
   * PEFT's {@code base_model_name_or_path} for a saved adapter: {@code _name_or_path} of the base's
   * {@code config.json} (the hub id transformers writes), else the base directory's absolute path;
   * null for a model not loaded from a directory.
   */
  String nameOrPath() {
    Optional<Path> dir = model.checkpointDirectory();
    if (dir.isEmpty()) {
      return null;
    }
    Path config = dir.get().resolve("config.json");
    try {
      if (Files.isRegularFile(config)) {
        JsonNode name = JSON.readTree(config.toFile()).get("_name_or_path");
        if (name != null && name.isTextual() && !name.asText().isBlank()) {
          return name.asText();
        }
      }
    } catch (IOException e) {
      LOG.debug("{}: cannot read _name_or_path: {}", config, e.getMessage());
    }
    return dir.get().toAbsolutePath().normalize().toString();
  }

  /**
   * Checks an adapter read from {@code adapterDir} against the base: an adapter without a
   * fingerprint (PEFT's own, or older Persona4j files) is accepted with a warning; one trained on a
   * different base is refused unless mismatches are allowed, then accepted with a warning.
   *
   * @throws BaseModelMismatchException naming both fingerprints
   */
  void check(Path adapterDir, AdapterProvenance provenance) throws IOException {
    String recorded = provenance == null ? null : provenance.baseModelFingerprint();
    if (recorded == null) {
      LOG.warn(
          "{}: the adapter records no base-model fingerprint (written by PEFT or an older"
              + " Persona4j), so it cannot be checked against this base model",
          adapterDir);
      return;
    }
    Optional<String> base = fingerprint();
    if (base.isEmpty()) {
      LOG.debug("{}: base model fingerprint unknown; adapter base not checked", adapterDir);
      return;
    }
    if (recorded.equals(base.get())) {
      return;
    }
    BaseModelMismatchException e =
        new BaseModelMismatchException(
            adapterDir, recorded, base.get(), model.checkpointDirectory().orElse(null));
    if (!allowMismatch) {
      throw e;
    }
    LOG.warn("{} (loaded anyway: mismatches are allowed)", e.getMessage());
  }
}
