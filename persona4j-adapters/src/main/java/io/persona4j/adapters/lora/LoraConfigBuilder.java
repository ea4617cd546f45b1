package io.persona4j.adapters.lora;

import io.persona4j.adapters.AdapterProvenance;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link LoraConfig}; {@link #build()} validates. Start from {@link LoraConfig#builder}.
 */
public final class LoraConfigBuilder {
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

  LoraConfigBuilder() {}

  LoraConfigBuilder(LoraConfig c) {
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
  public LoraConfigBuilder r(int r) {
    this.r = r;
    return this;
  }

  /** Scale numerator (PEFT default 8). */
  public LoraConfigBuilder alpha(double alpha) {
    this.loraAlpha = alpha;
    return this;
  }

  /** Dropout probability on the LoRA input in training, in [0, 1). */
  public LoraConfigBuilder dropout(double p) {
    this.loraDropout = p;
    return this;
  }

  /** Target modules by name (a path equal to a name or ending in "." + name). */
  public LoraConfigBuilder targets(String... names) {
    this.targetModules = TargetModules.names(names);
    return this;
  }

  /** Target modules by a regular expression matching whole module paths. */
  public LoraConfigBuilder targetRegex(String regex) {
    this.targetModules = TargetModules.regex(regex);
    return this;
  }

  /** Target modules, or null for PEFT's default of the model. */
  public LoraConfigBuilder targets(TargetModules targets) {
    this.targetModules = targets;
    return this;
  }

  /** Modules never adapted, or null. */
  public LoraConfigBuilder exclude(TargetModules exclude) {
    this.excludeModules = exclude;
    return this;
  }

  /** Rank-stabilized scaling alpha / sqrt(r). */
  public LoraConfigBuilder rslora(boolean useRslora) {
    this.useRslora = useRslora;
    return this;
  }

  /** Extra whole modules saved with the adapter, e.g. a classification head. */
  public LoraConfigBuilder modulesToSave(String... names) {
    this.modulesToSave = List.of(names);
    return this;
  }

  /** PEFT's task type, e.g. {@code CAUSAL_LM}, or null. */
  public LoraConfigBuilder taskType(String taskType) {
    this.taskType = taskType;
    return this;
  }

  /** The base model's name or path (informative). */
  public LoraConfigBuilder baseModel(String nameOrPath) {
    this.baseModelNameOrPath = nameOrPath;
    return this;
  }

  /** The base model's revision (informative). */
  public LoraConfigBuilder revision(String revision) {
    this.revision = revision;
    return this;
  }

  /** PEFT's inference mode flag (written true on save). */
  public LoraConfigBuilder inferenceMode(boolean inferenceMode) {
    this.inferenceMode = inferenceMode;
    return this;
  }

  /** true, false or {@code "gaussian"}; see {@link LoraConfig#initLoraWeights()}. */
  public LoraConfigBuilder init(Object initLoraWeights) {
    this.initLoraWeights = initLoraWeights;
    return this;
  }

  /** Layer indexes to adapt (null: all). */
  public LoraConfigBuilder layersToTransform(List<Integer> layers) {
    this.layersToTransform = layers;
    return this;
  }

  /** Names of the layer lists before the index, e.g. {@code layers}. */
  public LoraConfigBuilder layersPattern(List<String> patterns) {
    this.layersPattern = patterns;
    return this;
  }

  /** Per-module rank overrides. */
  public LoraConfigBuilder rankPattern(Map<String, Integer> rankPattern) {
    this.rankPattern = rankPattern;
    return this;
  }

  /** Per-module alpha overrides. */
  public LoraConfigBuilder alphaPattern(Map<String, Double> alphaPattern) {
    this.alphaPattern = alphaPattern;
    return this;
  }

  /** Persona4j provenance (set on save). */
  public LoraConfigBuilder provenance(AdapterProvenance provenance) {
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
