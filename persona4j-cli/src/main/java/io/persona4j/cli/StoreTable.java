/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.serve.store.AdapterEntry;
import io.persona4j.serve.store.BaseModelCheck;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Entries as an aligned table or JSON lines. */
final class StoreTable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] HEAD = {
    "USER", "KIND", "VERSION", "ACTIVE", "BYTES", "RANK", "ALPHA", "BASE", "CREATED", "SOURCE"
  };
  private final boolean json;
  private final List<String[]> rows = new ArrayList<>();
  private boolean headerPrinted;

  StoreTable(boolean json) {
    this.json = json;
  }

  void add(AdapterEntry e) {
    if (json) {
      rows.add(new String[] {toJson(e)});
      return;
    }
    rows.add(
        new String[] {
          e.userId(),
          e.kind().id(),
          Long.toString(e.version()),
          e.active() ? "*" : "",
          Long.toString(e.byteSize()),
          e.lora() == null ? "-" : Integer.toString(e.lora().rank()),
          e.lora() == null ? "-" : trim(e.lora().alpha()),
          ModelFingerprint.abbreviate(e.baseModelFingerprint())
              + (e.baseModelCheck() == BaseModelCheck.SHAPES ? " (shapes)" : ""),
          e.createdAt().toString(),
          e.source().describe()
        });
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  static String toJson(AdapterEntry e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("user", e.userId());
    o.put("kind", e.kind().id());
    o.put("version", e.version());
    o.put("active", e.active());
    o.put("base_model_fingerprint", e.baseModelFingerprint());
    o.put("base_model_check", e.baseModelCheck().name().toLowerCase(Locale.ROOT));
    if (e.lora() != null) {
      o.put("rank", e.lora().rank());
      o.put("alpha", e.lora().alpha());
      e.lora().targets().forEach(o.putArray("targets")::add);
    }
    o.put("byte_size", e.byteSize());
    o.put("file_count", e.fileCount());
    o.put("content_hash", e.contentHash());
    o.put("created_at", e.createdAt().toString());
    ObjectNode src = o.putObject("source");
    src.put("type", e.source().type().name().toLowerCase(Locale.ROOT));
    src.put("run", e.source().run());
    if (e.source().round() != null) {
      src.put("round", e.source().round());
    }
    src.put("note", e.source().note());
    return o.toString();
  }

  void flush(PrintStream out) {
    if (json) {
      rows.forEach(r -> out.println(r[0]));
      rows.clear();
      return;
    }
    if (rows.isEmpty()) {
      return;
    }
    int[] w = new int[HEAD.length];
    for (int i = 0; i < HEAD.length; i++) {
      w[i] = HEAD[i].length();
    }
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    if (!headerPrinted) {
      out.println(line(HEAD, w));
      headerPrinted = true;
    }
    rows.forEach(r -> out.println(line(r, w)));
    rows.clear();
  }

  private static String line(String[] cells, int[] w) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      b.append(i == cells.length - 1 ? cells[i] : String.format("%-" + w[i] + "s  ", cells[i]));
    }
    return b.toString().stripTrailing();
  }
}
