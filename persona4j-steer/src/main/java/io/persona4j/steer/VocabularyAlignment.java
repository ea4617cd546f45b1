/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which cloud token each device logit stands for.
 *
 * <ul>
 *   <li>{@link Mode#IDENTICAL}: the two tokenizers have the same token-to-id map (the exact method,
 *       as the authors' canonical runner requires). Slot i is id i on both sides; logit widths may
 *       differ (padded embeddings): only ids {@code [0, n)} are used.
 *   <li>{@link Mode#INTERSECTION}: otherwise, the update runs on the token strings both
 *       vocabularies hold, sorted (the authors' {@code abstract_costeer_map.py}); the cloud's
 *       log-probabilities and the device's logits are restricted to them and renormalized, so
 *       tokens only the cloud knows can no longer be chosen. EOS: the cloud's first EOS and the
 *       device's first EOS share one slot even when their strings differ (so the steered policy can
 *       stop), and, as in the authors' variant, generation also stops when the cloud's own
 *       probability of EOS exceeds {@link #EOS_FORCE_STOP} (the restriction could otherwise dilute
 *       a strong stop signal).
 * </ul>
 *
 * A slot's cloud id is what the device sends back and appends to the cloud stream; its device id is
 * appended to both device streams.
 */
public final class VocabularyAlignment {
  /** Cloud EOS probability above which an INTERSECTION session stops (the authors' 0.5). */
  public static final double EOS_FORCE_STOP = 0.5;

  /** Default smallest share of the cloud vocabulary that must be shared. */
  public static final double DEFAULT_MIN_OVERLAP = 0.5;

  /** How the vocabularies relate. */
  public enum Mode {
    IDENTICAL,
    INTERSECTION
  }

  private final Mode mode;
  private final int[] cloudIds;
  private final int[] deviceIds;
  private final int cloudSize;
  private final double overlap;

  private VocabularyAlignment(Mode mode, int[] cloudIds, int[] deviceIds, int cloudSize) {
    this.mode = mode;
    this.cloudIds = cloudIds;
    this.deviceIds = deviceIds;
    this.cloudSize = cloudSize;
    this.overlap = cloudIds.length / (double) cloudSize;
  }

  /**
   * Aligns two vocabularies.
   *
   * @param minOverlap smallest share of the cloud's ids that must also be device tokens, in [0, 1]
   * @throws IllegalArgumentException when the vocabularies differ and share less than {@code
   *     minOverlap} of the cloud's ids (the message gives the numbers and the fix)
   */
  public static VocabularyAlignment of(Vocabulary cloud, Vocabulary device, double minOverlap) {
    if (!(minOverlap >= 0 && minOverlap <= 1)) {
      throw new IllegalArgumentException(
          "min vocabulary overlap must be in [0, 1], got " + minOverlap);
    }
    if (cloud.tokens().equals(device.tokens())) {
      int n = cloud.size();
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = i;
      }
      return new VocabularyAlignment(Mode.IDENTICAL, ids, ids, n);
    }
    Map<String, Integer> dev = device.index();
    Map<String, Integer> cloudIndex = cloud.index();
    TreeMap<String, int[]> shared = new TreeMap<>();
    for (Map.Entry<String, Integer> e : cloudIndex.entrySet()) {
      Integer d = dev.get(e.getKey());
      if (d != null) {
        shared.put(e.getKey(), new int[] {e.getValue(), d});
      }
    }
    List<int[]> slots = new ArrayList<>(shared.values());
    if (cloud.eosIds().length > 0 && device.eosIds().length > 0) {
      int ce = (int) cloud.eosIds()[0];
      int de = (int) device.eosIds()[0];
      slots.removeIf(s -> (s[0] == ce) != (s[1] == de)); // EOS pairs with EOS only
      if (slots.stream().noneMatch(s -> s[0] == ce)) {
        slots.add(new int[] {ce, de});
      }
    }
    int[] c = new int[slots.size()];
    int[] d = new int[slots.size()];
    for (int i = 0; i < c.length; i++) {
      c[i] = slots.get(i)[0];
      d[i] = slots.get(i)[1];
    }
    VocabularyAlignment a = new VocabularyAlignment(Mode.INTERSECTION, c, d, cloud.size());
    if (a.overlap < minOverlap || c.length < 2) {
      throw new IllegalArgumentException(
          String.format(
              "the device vocabulary (%s, %d ids) shares only %d of the cloud vocabulary's %d"
                  + " token strings (%.1f%%, below the required %.1f%%): steering on the"
                  + " intersection would forbid most cloud tokens. Use a device model with the"
                  + " cloud's tokenizer (the exact method), or lower the threshold"
                  + " (--min-vocab-overlap) if you accept it",
              device.source(),
              device.size(),
              c.length,
              cloud.size(),
              100 * a.overlap,
              100 * minOverlap));
    }
    return a;
  }

  public Mode mode() {
    return mode;
  }

  /** Number of slots the update runs on. */
  public int size() {
    return cloudIds.length;
  }

  /** Share of the cloud's ids that have a slot. */
  public double overlap() {
    return overlap;
  }

  /** Cloud id of each slot. */
  public int[] cloudIds() {
    return cloudIds.clone();
  }

  /** Device id of each slot. */
  public int[] deviceIds() {
    return deviceIds.clone();
  }

  public int cloudId(int slot) {
    return cloudIds[slot];
  }

  public int deviceId(int slot) {
    return deviceIds[slot];
  }

  /** Cloud values {@code [cloudSize]} gathered into slot order {@code [size]}. */
  public float[] gatherCloud(float[] cloudValues) {
    if (cloudValues.length != cloudSize) {
      throw new IllegalArgumentException(
          "cloud distribution has " + cloudValues.length + " values, expected " + cloudSize);
    }
    return gather(cloudValues, cloudIds);
  }

  /** Device logits {@code [>= max device id + 1]} gathered into slot order {@code [size]}. */
  public float[] gatherDevice(float[] deviceLogits) {
    return gather(deviceLogits, deviceIds);
  }

  private float[] gather(float[] values, int[] ids) {
    if (mode == Mode.IDENTICAL && values.length == ids.length) {
      return values;
    }
    float[] out = new float[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = values[ids[i]];
    }
    return out;
  }
}
