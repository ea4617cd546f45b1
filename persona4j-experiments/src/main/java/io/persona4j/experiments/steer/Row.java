/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of the results table: a way to answer the query.
 *
 * @param key short identifier (JSON, file names)
 * @param label table label
 * @param kind what runs
 * @param k k of a top-k wire variant, else 0
 */
public record Row(String key, String label, Kind kind, int k) {
  /** What a row runs. */
  public enum Kind {
    /** The cloud model on the query alone (no personalization). */
    CLOUD,
    /** The device model alone, with the context. */
    DEVICE_CTX,
    /** The cloud model given the context: the privacy-violating upper bound. */
    CLOUD_CTX,
    /** CoSteer, the iterative update (the method). */
    COSTEER,
    /** Its closed form (must equal it). */
    CLOSED_FORM,
    /** A fixed c = 1 (proxy-tuning style logit arithmetic). */
    FIXED_C1,
    /** AdaCoSteer (threshold 0.1, patience 3) on the iterative update. */
    ADA,
    /** The closed form with the cloud distribution sent as top-k + tail mass. */
    TOPK
  }

  /** Every row of a run: the seven methods and one top-k variant per k. */
  public static List<Row> all(List<Integer> topKs) {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("cloud", "cloud, no context", Kind.CLOUD, 0));
    rows.add(new Row("device_ctx", "device, with context", Kind.DEVICE_CTX, 0));
    rows.add(
        new Row("cloud_ctx", "cloud, with context (privacy-violating bound)", Kind.CLOUD_CTX, 0));
    rows.add(new Row("costeer", "CoSteer (iterative, T=20)", Kind.COSTEER, 0));
    rows.add(new Row("closed_form", "CoSteer closed form (c=1.7833)", Kind.CLOSED_FORM, 0));
    rows.add(new Row("fixed_c1", "fixed c = 1 (proxy-tuning style)", Kind.FIXED_C1, 0));
    rows.add(new Row("ada", "AdaCoSteer (0.1, 3)", Kind.ADA, 0));
    for (int k : topKs) {
      rows.add(new Row("topk" + k, "CoSteer, top-" + k + " wire", Kind.TOPK, k));
    }
    return rows;
  }

  /** Whether the row needs the private context on the device only (a CoSteer variant). */
  public boolean steered() {
    return kind == Kind.COSTEER
        || kind == Kind.CLOSED_FORM
        || kind == Kind.FIXED_C1
        || kind == Kind.ADA
        || kind == Kind.TOPK;
  }
}
