/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSONL accounting log of a federated run: one {@link AccountingRecord} per line, each line
 * written and flushed whole, appended. A round attempt reads
 *
 * <pre>{@code
 * {"round":1,"attempt":0,"status":"ok","sampled":["a","b"],"validReplies":2,"failures":0,
 *  "bytesDown":4096,"bytesUp":4112,"wallMs":812.5,
 *  "clients":[{"client":"a","status":"ok","bytesDown":2048,"bytesUp":2056,"localMs":790.1,
 *              "numExamples":12,"loss":3.21}, ...]}
 * }</pre>
 *
 * with {@code "reason"} on attempts that sampled no client and, per client, {@code "status"} the
 * {@link Failure.Kind} and a {@code "reason"} when it failed; a restart reads {@code
 * {"event":"resume","afterRound":3}}.
 */
public final class AccountingLog {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path file;

  /** A log appending to {@code file} (created with its parent directories on first write). */
  public AccountingLog(Path file) {
    this.file = file;
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  /** Appends one record as a JSON line. */
  public synchronized void append(AccountingRecord record) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    byte[] line =
        (MAPPER.writeValueAsString(toJson(record)) + "\n").getBytes(StandardCharsets.UTF_8);
    Files.write(
        file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }

  /**
   * Every record of a log, in order.
   *
   * @throws IOException naming the file, the line and the field when a line is malformed
   */
  public static List<AccountingRecord> read(Path file) throws IOException {
    List<AccountingRecord> out = new ArrayList<>();
    int lineNo = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String where = file + ": line " + lineNo;
      JsonNode n;
      try {
        n = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IOException(where + ": not JSON: " + e.getOriginalMessage(), e);
      }
      if (n == null || !n.isObject()) {
        throw new IOException(where + ": not a JSON object");
      }
      out.add(fromJson(n, where));
    }
    return out;
  }

  /** The round attempts of a log that succeeded, in order. */
  public static List<AccountingRecord.Round> okRounds(List<AccountingRecord> records) {
    List<AccountingRecord.Round> out = new ArrayList<>();
    for (AccountingRecord r : records) {
      if (r instanceof AccountingRecord.Round round
          && round.status() == AccountingRecord.Status.OK) {
        out.add(round);
      }
    }
    return out;
  }

  private static ObjectNode toJson(AccountingRecord record) {
    ObjectNode o = MAPPER.createObjectNode();
    switch (record) {
      case AccountingRecord.Resume r -> {
        o.put("event", "resume");
        o.put("afterRound", r.afterRound());
      }
      case AccountingRecord.Round r -> {
        o.put("round", r.round());
        o.put("attempt", r.attempt());
        o.put("status", r.status().label());
        if (r.reason() != null) {
          o.put("reason", r.reason());
        }
        ArrayNode sampled = o.putArray("sampled");
        r.sampled().forEach(sampled::add);
        o.put("validReplies", r.validReplies());
        o.put("failures", r.failures());
        o.put("bytesDown", r.bytesDown());
        o.put("bytesUp", r.bytesUp());
        o.put("wallMs", r.wallMs());
        ArrayNode clients = o.putArray("clients");
        for (AccountingRecord.Client c : r.clients()) {
          ObjectNode j = clients.addObject();
          j.put("client", c.client());
          j.put("status", c.ok() ? "ok" : c.failure().name());
          if (c.reason() != null) {
            j.put("reason", c.reason());
          }
          j.put("bytesDown", c.bytesDown());
          j.put("bytesUp", c.bytesUp());
          j.put("localMs", c.localMs());
          if (c.numExamples() != null) {
            j.put("numExamples", c.numExamples());
          }
          if (c.loss() != null) {
            j.put("loss", c.loss());
          }
        }
      }
    }
    return o;
  }

  private static AccountingRecord fromJson(JsonNode n, String where) throws IOException {
    if (n.has("event")) {
      String event = n.path("event").asText();
      if (!event.equals("resume")) {
        throw new IOException(where + ": field 'event' = '" + event + "' is not 'resume'");
      }
      return new AccountingRecord.Resume(integer(n, "afterRound", where));
    }
    String status = n.path("status").asText();
    AccountingRecord.Status s;
    try {
      s = AccountingRecord.Status.valueOf(status.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException(
          where + ": field 'status' = '" + status + "' is not ok, retry or stopped", e);
    }
    List<String> sampled = new ArrayList<>();
    n.path("sampled").forEach(x -> sampled.add(x.asText()));
    List<AccountingRecord.Client> clients = new ArrayList<>();
    for (JsonNode c : n.path("clients")) {
      String cs = c.path("status").asText("ok");
      Failure.Kind kind = null;
      if (!cs.equals("ok")) {
        try {
          kind = Failure.Kind.valueOf(cs);
        } catch (IllegalArgumentException e) {
          throw new IOException(
              where + ": field 'clients[].status' = '" + cs + "' is not ok or a failure kind", e);
        }
      }
      clients.add(
          new AccountingRecord.Client(
              c.path("client").asText(),
              kind,
              kind == null ? null : c.path("reason").asText(""),
              c.path("bytesDown").asLong(),
              c.path("bytesUp").asLong(),
              c.path("localMs").asDouble(-1),
              c.has("numExamples") ? c.path("numExamples").asLong() : null,
              c.has("loss") ? c.path("loss").asDouble() : null));
    }
    try {
      return new AccountingRecord.Round(
          integer(n, "round", where),
          n.path("attempt").asInt(),
          s,
          n.has("reason") ? n.path("reason").asText() : null,
          sampled,
          n.path("validReplies").asInt(),
          n.path("failures").asInt(),
          n.path("bytesDown").asLong(),
          n.path("bytesUp").asLong(),
          n.path("wallMs").asDouble(),
          clients);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + ": " + e.getMessage(), e);
    }
  }

  private static int integer(JsonNode n, String field, String where) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new IOException(where + ": field '" + field + "' = " + v + " is not an integer");
    }
    return v.asInt();
  }
}
