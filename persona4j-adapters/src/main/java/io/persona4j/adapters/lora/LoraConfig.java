/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.config.ConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A LoRA adapter's config, bound to PEFT's {@code adapter_config.json} (field names as PEFT writes
 * them; fields Persona4j does not use are ignored, fields that would change the math and are not
 * supported are rejected by {@link LoraConfigs#read}).
 *
 * <p>The constructor fills PEFT's defaults and validates; errors name the field and the value.
 * Build new configs with {@link #builder()}.
 *
 * @param peftType must be {@code LORA}
 * @param taskType PEFT task type ({@code CAUSAL_LM}, {@code SEQ_CLS}, ...) or null
 * @param baseModelNameOrPath the base model the adapter was trained on (informative) or null
 * @param revision the base model's revision or null
 * @param inferenceMode PEFT writes true when saving
 * @param r rank, > 0
 * @param loraAlpha scale numerator: scale = alpha / r (or alpha / sqrt(r) with rsLoRA)
 * @param loraDropout dropout probability on the LoRA input in training, in [0, 1)
 * @param targetModules modules to adapt; null picks PEFT's default for the model at injection
 * @param excludeModules modules never to adapt, or null
 * @param bias only {@code none}
 * @param fanInFanOut only false (weights stored [out, in], as every supported model does)
 * @param useRslora rank-stabilized scaling alpha / sqrt(r)
 * @param modulesToSave extra modules trained and saved whole with the adapter (e.g. a
 *     classification head {@code score}); never adapted with LoRA
 * @param initLoraWeights PEFT's init: true (Kaiming-uniform A, zero B), false (both
 *     Kaiming-uniform: not an identity at start), {@code "gaussian"} (A ~ N(0, 1/r^2)); on load
 *     also {@code "eva"} and {@code "orthogonal"}, whose saved weights are plain LoRA
 * @param layersToTransform layer indexes to adapt (null: all), only with a list of target names
 * @param layersPattern the module-list names that precede the layer index, or null
 * @param rankPattern per-module rank overrides (regex suffix of the module path to r)
 * @param alphaPattern per-module alpha overrides
 * @param persona4j Persona4j provenance, null in files written by PEFT
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoraConfig(
    @JsonProperty("peft_type") String peftType,
    @JsonProperty("task_type") String taskType,
    @JsonProperty("base_model_name_or_path") String baseModelNameOrPath,
    @JsonProperty("revision") String revision,
    @JsonProperty("inference_mode") Boolean inferenceMode,
    @JsonProperty("r") Integer r,
    @JsonProperty("lora_alpha") Double loraAlpha,
    @JsonProperty("lora_dropout") Double loraDropout,
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("exclude_modules") TargetModules excludeModules,
    @JsonProperty("bias") String bias,
    @JsonProperty("fan_in_fan_out") Boolean fanInFanOut,
    @JsonProperty("use_rslora") Boolean useRslora,
    @JsonProperty("modules_to_save") List<String> modulesToSave,
    @JsonProperty("init_lora_weights") Object initLoraWeights,
    @JsonProperty("layers_to_transform")
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<Integer> layersToTransform,
    @JsonProperty("layers_pattern")
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<String> layersPattern,
    @JsonProperty("rank_pattern") Map<String, Integer> rankPattern,
    @JsonProperty("alpha_pattern") Map<String, Double> alphaPattern,
    @JsonProperty("persona4j") AdapterProvenance persona4j) {

  /** PEFT's task types. */
  public static final Set<String> TASK_TYPES =
      Set.of(
          "SEQ_CLS",
          "SEQ_2_SEQ_LM",
          "CAUSAL_LM",
          "TOKEN_CLS",
          "QUESTION_ANS",
          "FEATURE_EXTRACTION");

  /**
   * Inits whose adapters only work against a base model they modified (PiSSA, OLoRA, CorDA, LoftQ,
   * LoRA-GA) or that switch on a LoRA variant (MiCA). PEFT rewrites {@code init_lora_weights} to
   * true when it converts such an adapter to plain LoRA.
   */
  static final List<String> BASE_MODIFYING_INITS =
      List.of("pissa", "olora", "corda", "loftq", "lora_ga", "mica");

  /** Fills PEFT's defaults and validates every field. */
  public LoraConfig {
    require(peftType != null, "peft_type", null, "is required (PEFT writes \"LORA\")");
    require(peftType.equals("LORA"), "peft_type", peftType, "only LORA adapters are supported");
    require(
        taskType == null || TASK_TYPES.contains(taskType),
        "task_type",
        taskType,
        "must be one of " + TASK_TYPES.stream().sorted().toList() + " or null");
    if (r == null) {
      r = 8;
    }
    require(r > 0, "r", r, "the rank must be > 0");
    if (loraAlpha == null) {
      loraAlpha = 8.0;
    }
    require(Double.isFinite(loraAlpha), "lora_alpha", loraAlpha, "must be finite");
    if (loraDropout == null) {
      loraDropout = 0.0;
    }
    require(loraDropout >= 0 && loraDropout < 1, "lora_dropout", loraDropout, "must be in [0, 1)");
    if (bias == null) {
      bias = "none";
    }
    require(
        bias.equals("none"),
        "bias",
        bias,
        "only 'none' is supported (training or loading base-layer biases with LoRA is not)");
    if (fanInFanOut == null) {
      fanInFanOut = false;
    }
    require(
        !fanInFanOut,
        "fan_in_fan_out",
        true,
        "only false is supported: Persona4j's linear layers store weights as [out, in]");
    if (useRslora == null) {
      useRslora = false;
    }
    if (inferenceMode == null) {
      inferenceMode = false;
    }
    modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    for (String m : modulesToSave) {
      require(!m.isBlank(), "modules_to_save", modulesToSave, "names must not be blank");
    }
    if (initLoraWeights == null) {
      initLoraWeights = Boolean.TRUE;
    }
    require(
        initLoraWeights instanceof Boolean || initLoraWeights instanceof String,
        "init_lora_weights",
        initLoraWeights,
        "must be a boolean or a string");
    if (initLoraWeights instanceof String s) {
      require(
          BASE_MODIFYING_INITS.stream().noneMatch(s.toLowerCase(Locale.ROOT)::startsWith),
          "init_lora_weights",
          s,
          "such adapters need the base weights their init modified (or a LoRA variant);"
              + " convert them to plain LoRA with PEFT first"
              + " (save_pretrained(path_initial_model_for_weight_conversion=...))");
    }
    require(
        layersToTransform == null
            || targetModules == null
            || targetModules.names() != null
            || layersToTransform.isEmpty(),
        "layers_to_transform",
        layersToTransform,
        "PEFT ignores it with a regex target_modules; write the layers into the regex instead");
    layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
    layersPattern = layersPattern == null ? null : List.copyOf(layersPattern);
    rankPattern = rankPattern == null ? Map.of() : copyOrdered(rankPattern);
    rankPattern.forEach(
        (k, v) -> require(v != null && v > 0, "rank_pattern", k + ": " + v, "ranks must be > 0"));
    for (String k : rankPattern.keySet()) {
      require(compiles(k), "rank_pattern", k, "keys must be regular expressions");
    }
    alphaPattern = alphaPattern == null ? Map.of() : copyOrdered(alphaPattern);
    alphaPattern.forEach(
        (k, v) ->
            require(v != null && Double.isFinite(v), "alpha_pattern", k + ": " + v, "not finite"));
    for (String k : alphaPattern.keySet()) {
      require(compiles(k), "alpha_pattern", k, "keys must be regular expressions");
    }
  }

  /** A builder with PEFT's defaults (r = 8, alpha = 8, no dropout, Kaiming/zero init). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The rank of module {@code path}: its {@code rank_pattern} entry if one matches, else r. */
  public int rank(String path) {
    String key = patternKey(rankPattern.keySet(), path);
    return key == null ? r : rankPattern.get(key);
  }

  /**
   * The alpha of module {@code path}: its {@code alpha_pattern} entry if one matches, else alpha.
   */
  public double alpha(String path) {
    String key = patternKey(alphaPattern.keySet(), path);
    return key == null ? loraAlpha : alphaPattern.get(key);
  }

  /** The scale of module {@code path}: alpha / r, or alpha / sqrt(r) with rsLoRA. */
  public double scale(String path) {
    int rank = rank(path);
    return useRslora ? alpha(path) / Math.sqrt(rank) : alpha(path) / rank;
  }

  /** This config stamped with the current Persona4j provenance and inference mode, for saving. */
  @JsonIgnore
  public LoraConfig forSaving() {
    return forSaving(null);
  }

  /**
   * As {@link #forSaving()}, recording the {@link io.persona4j.core.model.ModelFingerprint} of the
   * base model the adapter was trained on (null: unknown).
   */
  public LoraConfig forSaving(String baseModelFingerprint) {
    return toBuilder()
        .optInferenceMode(true)
        .optProvenance(AdapterProvenance.current(baseModelFingerprint))
        .build();
  }

  /**
   * PEFT's {@code get_pattern_key}: the first key such that the path ends with it after a dot (or
   * equals it), the key read as a regex.
   */
  private static String patternKey(Set<String> keys, String path) {
    for (String key : keys) {
      if (Pattern.matches("(.*\\.)?(" + key + ")", path)) {
        return key;
      }
    }
    return null;
  }

  private static boolean compiles(String regex) {
    try {
      Pattern.compile(regex);
      return true;
    } catch (PatternSyntaxException e) {
      return false;
    }
  }

  private static <V> Map<String, V> copyOrdered(Map<String, V> m) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  static void require(boolean condition, String field, Object value, String expectation) {
    if (!condition) {
      throw new ConfigException(
          "adapter_config.json field '"
              + field
              + "' = "
              + (value instanceof String ? "'" + value + "'" : value)
              + " is invalid: "
              + expectation);
    }
  }

  /**
   * Builds a {@link LoraConfig} (from {@link LoraConfig#builder()}): every setting is optional
   * ({@code optX}) with PEFT's default; {@link #build()} validates.
   */
  public static final class Builder {
    private String taskType;
    private String baseModelNameOrPath;
    private String revision;
    private Boolean inferenceMode;
    private int r = 8;
    private double loraAlpha = 8;
    private double loraDropout;
    private TargetModules targetModules;
    private TargetModules excludeModules;
    private boolean useRslora;
    private List<String> modulesToSave;
    private Object initLoraWeights = Boolean.TRUE;
    private List<Integer> layersToTransform;
    private List<String> layersPattern;
    private Map<String, Integer> rankPattern;
    private Map<String, Double> alphaPattern;
    private AdapterProvenance provenance;

    private Builder() {}

    private Builder(LoraConfig c) {
      taskType = c.taskType();
      baseModelNameOrPath = c.baseModelNameOrPath();
      revision = c.revision();
      inferenceMode = c.inferenceMode();
      r = c.r();
      loraAlpha = c.loraAlpha();
      loraDropout = c.loraDropout();
      targetModules = c.targetModules();
      excludeModules = c.excludeModules();
      useRslora = c.useRslora();
      modulesToSave = c.modulesToSave();
      initLoraWeights = c.initLoraWeights();
      layersToTransform = c.layersToTransform();
      layersPattern = c.layersPattern();
      rankPattern = c.rankPattern();
      alphaPattern = c.alphaPattern();
      provenance = c.persona4j();
    }

    /** Rank, > 0 (PEFT default 8). */
    public Builder optR(int r) {
      this.r = r;
      return this;
    }

    /** Scale numerator (PEFT default 8). */
    public Builder optAlpha(double alpha) {
      this.loraAlpha = alpha;
      return this;
    }

    /** Dropout probability on the LoRA input in training, in [0, 1). */
    public Builder optDropout(double p) {
      this.loraDropout = p;
      return this;
    }

    /** Target modules by name (a path equal to a name or ending in "." + name). */
    public Builder optTargets(String... names) {
      this.targetModules = TargetModules.names(names);
      return this;
    }

    /** Target modules by a regular expression matching whole module paths. */
    public Builder optTargetRegex(String regex) {
      this.targetModules = TargetModules.regex(regex);
      return this;
    }

    /** Target modules, or null for PEFT's default of the model. */
    public Builder optTargets(TargetModules targets) {
      this.targetModules = targets;
      return this;
    }

    /** Modules never adapted, or null. */
    public Builder optExclude(TargetModules exclude) {
      this.excludeModules = exclude;
      return this;
    }

    /** Rank-stabilized scaling alpha / sqrt(r). */
    public Builder optRslora(boolean useRslora) {
      this.useRslora = useRslora;
      return this;
    }

    /** Extra whole modules saved with the adapter, e.g. a classification head. */
    public Builder optModulesToSave(String... names) {
      this.modulesToSave = List.of(names);
      return this;
    }

    /** PEFT's task type, e.g. {@code CAUSAL_LM}, or null. */
    public Builder optTaskType(String taskType) {
      this.taskType = taskType;
      return this;
    }

    /** The base model's name or path (informative). */
    public Builder optBaseModel(String nameOrPath) {
      this.baseModelNameOrPath = nameOrPath;
      return this;
    }

    /** The base model's revision (informative). */
    public Builder optRevision(String revision) {
      this.revision = revision;
      return this;
    }

    /** PEFT's inference mode flag (written true on save). */
    public Builder optInferenceMode(boolean inferenceMode) {
      this.inferenceMode = inferenceMode;
      return this;
    }

    /** true, false or {@code "gaussian"}; see {@link LoraConfig#initLoraWeights()}. */
    public Builder optInit(Object initLoraWeights) {
      this.initLoraWeights = initLoraWeights;
      return this;
    }

    /** Layer indexes to adapt (null: all). */
    public Builder optLayersToTransform(List<Integer> layers) {
      this.layersToTransform = layers;
      return this;
    }

    /** Names of the layer lists before the index, e.g. {@code layers}. */
    public Builder optLayersPattern(List<String> patterns) {
      this.layersPattern = patterns;
      return this;
    }

    /** Per-module rank overrides. */
    public Builder optRankPattern(Map<String, Integer> rankPattern) {
      this.rankPattern = rankPattern;
      return this;
    }

    /** Per-module alpha overrides. */
    public Builder optAlphaPattern(Map<String, Double> alphaPattern) {
      this.alphaPattern = alphaPattern;
      return this;
    }

    /** Persona4j provenance (set on save). */
    public Builder optProvenance(AdapterProvenance provenance) {
      this.provenance = provenance;
      return this;
    }

    /** The validated config. */
    public LoraConfig build() {
      return new LoraConfig(
          "LORA",
          taskType,
          baseModelNameOrPath,
          revision,
          inferenceMode,
          r,
          loraAlpha,
          loraDropout,
          targetModules,
          excludeModules,
          "none",
          false,
          useRslora,
          modulesToSave,
          initLoraWeights,
          layersToTransform,
          layersPattern,
          rankPattern,
          alphaPattern,
          provenance);
    }
  }
}
