/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.core.model.Provenance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Persona4j's provenance of an adapter directory, written beside the fields of the format it
 * follows (PEFT): in {@code adapter_config.json} as a {@code "persona4j"} object, which PEFT >=
 * 0.14 ignores, and in the safetensors {@code __metadata__} as {@code persona4j.*} keys, which PEFT
 * and safetensors ignore. Files without it (written by PEFT itself) are accepted. Both places are
 * string stores (safetensors metadata holds strings only), so the version is the decimal string
 * there (see {@link FormatVersion}).
 *
 * @param formatVersion version of Persona4j's adapter layout; readers reject versions they do not
 *     know
 * @param codeVersion the Persona4j version that wrote the files (informative)
 * @param baseModelFingerprint the {@link ModelFingerprint} of the base model the adapter was
 *     trained on, or null if unknown (then loading cannot check the base and warns)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterProvenance(
    @JsonProperty("format_version") String formatVersion,
    @JsonProperty("code_version") String codeVersion,
    @JsonProperty("base_model_fingerprint") @JsonInclude(JsonInclude.Include.NON_NULL)
        String baseModelFingerprint) {

  /** The adapter format version this build writes and the only one it reads. */
  public static final String FORMAT_VERSION = Provenance.FORMAT_VERSION;

  private static final int VERSION = Integer.parseInt(FORMAT_VERSION);

  /** safetensors metadata key of the format version. */
  public static final String METADATA_FORMAT_KEY = "persona4j.format_version";

  /** safetensors metadata key of the code version. */
  public static final String METADATA_CODE_KEY = "persona4j.code_version";

  /** safetensors metadata key of the base-model fingerprint (written only when known). */
  public static final String METADATA_BASE_KEY = "persona4j.base_model_fingerprint";

  /**
   * @throws IllegalArgumentException naming the value if {@code formatVersion} is missing or not
   *     {@value #FORMAT_VERSION}, or if a fingerprint is given and malformed
   */
  public AdapterProvenance {
    checkFormatVersion(formatVersion, "persona4j.format_version");
    if (baseModelFingerprint != null) {
      ModelFingerprint.requireWellFormed(baseModelFingerprint, "persona4j.base_model_fingerprint");
    }
  }

  /** The provenance of files written now, without a base-model fingerprint. */
  public static AdapterProvenance current() {
    return current(null);
  }

  /** The provenance of files written now, trained on the base model of {@code fingerprint}. */
  public static AdapterProvenance current(String baseModelFingerprint) {
    return new AdapterProvenance(FORMAT_VERSION, Provenance.codeVersion(), baseModelFingerprint);
  }

  /** safetensors {@code __metadata__} for adapter weights: PEFT's {@code format: pt} plus ours. */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", "pt");
    m.put(METADATA_FORMAT_KEY, formatVersion);
    m.put(METADATA_CODE_KEY, codeVersion == null ? "unknown" : codeVersion);
    if (baseModelFingerprint != null) {
      m.put(METADATA_BASE_KEY, baseModelFingerprint);
    }
    return m;
  }

  /**
   * Checks a format version read from {@code where} (before a file is known: readers add it).
   *
   * @throws IllegalArgumentException naming {@code where} and the value unless it is {@value
   *     #FORMAT_VERSION}
   */
  public static void checkFormatVersion(String version, String where) {
    String problem = FormatVersion.problem(where, version, VERSION);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Checks the version in the safetensors metadata of {@code file}, if there is one (PEFT writes
   * none).
   *
   * @throws ModelFormatException naming the file, the key and the value for another version
   */
  public static void checkMetadata(Path file, Map<String, String> metadata)
      throws ModelFormatException {
    String version = metadata.get(METADATA_FORMAT_KEY);
    if (version != null) {
      FormatVersion.check(file, "__metadata__ " + METADATA_FORMAT_KEY, version, VERSION);
    }
  }
}
