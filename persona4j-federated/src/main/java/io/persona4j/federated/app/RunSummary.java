/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code summary.json} of a federated run.
 *
 * @param rounds the last completed round
 * @param adapter the PEFT adapter directory
 * @param accountingLog the JSONL accounting log
 * @param chart the chart
 * @param checkpoints the checkpoint directory
 * @param secagg the secure-aggregation protocol's label
 * @param stoppedBy why a DP run stopped early, or null
 * @param epsilon the DP epsilon spent, or null without DP
 * @param delta the DP delta, or null without DP
 */
public record RunSummary(
    int rounds,
    Path adapter,
    Path accountingLog,
    Path chart,
    Path checkpoints,
    String secagg,
    String stoppedBy,
    Double epsilon,
    Double delta) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Writes the summary as one JSON object (null fields left out). */
  public void write(Path file) throws IOException {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("rounds", rounds);
    o.put("adapter", adapter.toString());
    o.put("accountingLog", accountingLog.toString());
    o.put("chart", chart.toString());
    o.put("checkpoints", checkpoints.toString());
    o.put("secagg", secagg);
    if (stoppedBy != null) {
      o.put("stoppedBy", stoppedBy);
    }
    if (epsilon != null) {
      o.put("epsilon", epsilon);
      o.put("delta", delta);
    }
    AtomicFiles.writeString(file, MAPPER.writeValueAsString(o) + "\n");
  }
}
