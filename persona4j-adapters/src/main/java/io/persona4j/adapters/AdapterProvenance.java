package io.persona4j.adapters;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.persona4j.core.io.FormatVersion;
import io.persona4j.core.io.ModelFormatException;
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
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterProvenance(
    @JsonProperty("format_version") String formatVersion,
    @JsonProperty("code_version") String codeVersion) {

  /** The adapter format version this build writes and the only one it reads. */
  public static final String FORMAT_VERSION = Provenance.FORMAT_VERSION;

  private static final int VERSION = Integer.parseInt(FORMAT_VERSION);

  /** safetensors metadata key of the format version. */
  public static final String METADATA_FORMAT_KEY = "persona4j.format_version";

  /** safetensors metadata key of the code version. */
  public static final String METADATA_CODE_KEY = "persona4j.code_version";

  /**
   * @throws IllegalArgumentException naming the value if {@code formatVersion} is missing or not
   *     {@value #FORMAT_VERSION}
   */
  public AdapterProvenance {
    checkFormatVersion(formatVersion, "persona4j.format_version");
  }

  /** The provenance of files written now. */
  public static AdapterProvenance current() {
    return new AdapterProvenance(FORMAT_VERSION, Provenance.codeVersion());
  }

  /** safetensors {@code __metadata__} for adapter weights: PEFT's {@code format: pt} plus ours. */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", "pt");
    m.put(METADATA_FORMAT_KEY, formatVersion);
    m.put(METADATA_CODE_KEY, codeVersion == null ? "unknown" : codeVersion);
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
