/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which linear layers a {@link LoraConfig} adapts, decided as PEFT's {@code
 * check_target_module_exists} does: {@code exclude_modules} and {@code modules_to_save} first, then
 * {@code target_modules} (names: equal or dot-suffix; a string: full regex match; {@code
 * all-linear}: every linear layer but the output head), then {@code layers_to_transform}.
 */
public final class TargetSelector {
  /** PEFT's defaults when {@code target_modules} is null, for decoders and for BERT. */
  static final List<String> DECODER_DEFAULT = List.of("q_proj", "v_proj");

  static final List<String> BERT_DEFAULT = List.of("query", "value");

  /**
   * What {@code all-linear} leaves out, as PEFT's {@code _maybe_include_all_linear_layers} does:
   * the output embedding ({@code lm_head} in every supported family) and, for {@code SEQ_CLS}, the
   * classification head (PEFT's {@code SEQ_CLS_HEAD_NAMES}).
   */
  static final List<String> OUTPUT_HEADS = List.of("lm_head");

  static final List<String> SEQ_CLS_HEADS = List.of("score", "classifier");

  private TargetSelector() {}

  /**
   * The paths among {@code available} that {@code config} targets, in the given order.
   *
   * @throws IllegalArgumentException listing the available module names if none matches
   */
  public static List<String> select(LoraConfig config, Collection<String> available) {
    TargetModules targets = config.targetModules();
    if (targets == null) {
      targets = defaultTargets(available);
    }
    List<String> out = new ArrayList<>();
    for (String path : available) {
      if (isExcluded(config, path) || (targets.isAllLinear() && isHead(config, path))) {
        continue;
      }
      if (targets.matches(path) && inLayers(config, targets, path)) {
        out.add(path);
      }
    }
    if (out.isEmpty()) {
      boolean shorthandInList =
          targets.names() != null
              && targets.names().stream().anyMatch(TargetModules.ALL_LINEAR::equalsIgnoreCase);
      throw new IllegalArgumentException(
          (shorthandInList
                  ? "'all-linear' is PEFT's shorthand only as the whole target_modules string, not"
                      + " as a list entry; "
                  : "")
              + "target_modules "
              + targets
              + (config.layersToTransform() == null
                  ? ""
                  : " with layers_to_transform " + config.layersToTransform())
              + " matched none of the model's "
              + available.size()
              + " linear layers; their names are "
              + moduleNames(available)
              + ", e.g. "
              + available.stream().limit(3).toList());
    }
    return out;
  }

  /** The distinct last components of {@code paths} (the names PEFT users put in target_modules). */
  public static Set<String> moduleNames(Collection<String> paths) {
    Set<String> names = new LinkedHashSet<>();
    for (String p : paths) {
      names.add(p.substring(p.lastIndexOf('.') + 1));
    }
    return names;
  }

  private static TargetModules defaultTargets(Collection<String> available) {
    Set<String> names = moduleNames(available);
    if (names.containsAll(DECODER_DEFAULT)) {
      return new TargetModules(DECODER_DEFAULT, null);
    }
    if (names.containsAll(BERT_DEFAULT)) {
      return new TargetModules(BERT_DEFAULT, null);
    }
    throw new IllegalArgumentException(
        "target_modules is not set and the model has neither "
            + DECODER_DEFAULT
            + " nor "
            + BERT_DEFAULT
            + "; its linear layers are named "
            + names);
  }

  private static boolean isHead(LoraConfig config, String path) {
    String name = path.substring(path.lastIndexOf('.') + 1);
    return OUTPUT_HEADS.contains(name)
        || ("SEQ_CLS".equals(config.taskType()) && SEQ_CLS_HEADS.contains(name));
  }

  private static boolean isExcluded(LoraConfig config, String path) {
    if (config.excludeModules() != null && config.excludeModules().matches(path)) {
      return true;
    }
    for (String m : config.modulesToSave()) {
      if (Pattern.compile("(^|.*\\.)" + m + "($|\\..*)").matcher(path).lookingAt()) {
        return true;
      }
    }
    return false;
  }

  private static boolean inLayers(LoraConfig config, TargetModules targets, String path) {
    List<Integer> layers = config.layersToTransform();
    if (layers == null || layers.isEmpty() || targets.names() == null) {
      return true;
    }
    Integer index = null;
    List<String> patterns = config.layersPattern();
    if (patterns == null || patterns.isEmpty()) {
      index = layerIndex(".*?\\.[^.]*\\.(\\d+)\\.", path);
    } else {
      for (String p : patterns) {
        index = layerIndex(".*?\\." + p + "\\.(\\d+)\\.", path);
        if (index != null) {
          break;
        }
      }
    }
    return index != null && layers.contains(index);
  }

  private static Integer layerIndex(String regex, String path) {
    Matcher m = Pattern.compile(regex).matcher(path);
    return m.lookingAt() ? Integer.valueOf(m.group(1)) : null;
  }
}
