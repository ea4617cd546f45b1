/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.PeftKeys;
import io.persona4j.core.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Compares an adapter's tensors with a base model's weights. A LoRA pair on module {@code m} needs
 * a base weight {@code m.weight} of shape {@code [out, in]} and has {@code lora_A [r, in]}, {@code
 * lora_B [out, r]}; a {@code modules_to_save} tensor that replaces a base tensor has its shape, a
 * new head's weight is {@code [labels, hidden]}. Module paths are matched by their trailing
 * segments, so that {@code bert.encoder.layer.0...} finds {@code encoder.layer.0...}.
 */
final class BaseModelShapes {
  private static final int MAX_LISTED = 4;

  private final Map<String, long[]> shapes;
  private final Map<String, List<String>> bySuffix = new HashMap<>();
  private final OptionalInt hiddenSize;
  private final List<String> mismatches = new ArrayList<>();
  private int checked;

  BaseModelShapes(BaseModel base) {
    this.shapes = base.shapesView();
    for (String name : shapes.keySet()) {
      String[] seg = name.split("\\.");
      for (int i = 0; i < seg.length; i++) {
        String suffix = String.join(".", Arrays.copyOfRange(seg, i, seg.length));
        bySuffix.computeIfAbsent(suffix, k -> new ArrayList<>(1)).add(name);
      }
    }
    this.hiddenSize = base.hiddenSize().isPresent() ? base.hiddenSize() : embeddingWidth();
  }

  private OptionalInt embeddingWidth() {
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      String n = e.getKey();
      if ((n.endsWith("embed_tokens.weight") || n.endsWith("word_embeddings.weight"))
          && e.getValue().length == 2) {
        return OptionalInt.of((int) e.getValue()[1]);
      }
    }
    return OptionalInt.empty();
  }

  /** Whether the base's shapes are known at all. */
  boolean known() {
    return !shapes.isEmpty();
  }

  OptionalInt hiddenSize() {
    return hiddenSize;
  }

  /** Tensors compared so far. */
  int checked() {
    return checked;
  }

  List<String> mismatches() {
    return mismatches;
  }

  String describeMismatches() {
    List<String> shown = mismatches.subList(0, Math.min(MAX_LISTED, mismatches.size()));
    return String.join("; ", shown)
        + (mismatches.size() > MAX_LISTED
            ? "; and " + (mismatches.size() - MAX_LISTED) + " more"
            : "");
  }

  /** Throws if any tensor did not fit although the files claim this base. */
  void throwIfAnyMismatch(Path dir, String context) {
    if (!mismatches.isEmpty()) {
      throw new IllegalArgumentException(
          dir + " " + context + ", but its tensors do not fit it: " + describeMismatches());
    }
  }

  /** Compares every tensor of a PEFT LoRA weights file with the base. */
  void checkLora(SafetensorsFile st, LoraConfig config) {
    if (!known()) {
      return;
    }
    for (String name : new java.util.TreeSet<>(st.names())) {
      long[] shape = st.info(name).shape();
      if (!name.startsWith(PeftKeys.PREFIX)) {
        mismatches.add(name + " is not a PEFT tensor name (" + PeftKeys.PREFIX + "...)");
        continue;
      }
      String param = name.substring(PeftKeys.PREFIX.length());
      boolean isA = param.endsWith(PeftKeys.LORA_A);
      boolean isB = param.endsWith(PeftKeys.LORA_B);
      if (!isA && !isB) {
        checkReplacement(name, param, shape);
        continue;
      }
      String module = param.substring(0, param.length() - PeftKeys.LORA_A.length());
      String baseName = find(module + ".weight");
      if (baseName == null) {
        mismatches.add(name + ": the base model has no weight for module " + module);
        continue;
      }
      long[] w = shapes.get(baseName);
      int r = config.rank(module);
      long[] want = w.length != 2 ? null : isA ? new long[] {r, w[1]} : new long[] {w[0], r};
      checked++;
      if (want == null || !Arrays.equals(shape, want)) {
        mismatches.add(
            name
                + " has shape "
                + Arrays.toString(shape)
                + ", expected "
                + (want == null ? "a 2-D base weight" : Arrays.toString(want))
                + " for r = "
                + r
                + " on base "
                + baseName
                + " "
                + Arrays.toString(w));
      }
    }
  }

  private void checkReplacement(String name, String param, long[] shape) {
    String baseName = find(param);
    if (baseName != null) {
      checked++;
      if (!Arrays.equals(shape, shapes.get(baseName))) {
        mismatches.add(
            name
                + " has shape "
                + Arrays.toString(shape)
                + ", but base "
                + baseName
                + " has "
                + Arrays.toString(shapes.get(baseName)));
      }
    } else if (param.endsWith(".weight") && shape.length == 2) {
      checkWidth(name, shape[1]);
    }
  }

  /** A tensor whose last dimension must be the base's hidden size. */
  void checkWidth(String what, long width) {
    if (!known() || hiddenSize.isEmpty()) {
      return;
    }
    checked++;
    if (width != hiddenSize.getAsInt()) {
      mismatches.add(
          what + " has width " + width + ", the base's hidden size is " + hiddenSize.getAsInt());
    }
  }

  /**
   * The base tensor named {@code key}, or else the one whose name ends with the longest suffix of
   * {@code key} (whole segments) that any base name ends with; null when none or several do.
   */
  private String find(String key) {
    if (shapes.containsKey(key)) {
      return key;
    }
    String k = key;
    while (true) {
      List<String> hits = bySuffix.get(k);
      if (hits != null) {
        return hits.size() == 1 ? hits.get(0) : null;
      }
      int dot = k.indexOf('.');
      if (dot < 0) {
        return null;
      }
      k = k.substring(dot + 1);
    }
  }
}
