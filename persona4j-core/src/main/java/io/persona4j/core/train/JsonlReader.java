/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One pass over a JSONL file for {@link JsonlDataset}: parsing, validation, tokenization. */
final class JsonlReader {
  private static final Logger LOG = LoggerFactory.getLogger(JsonlDataset.class);
  private static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final int LISTED_LINES = 20;

  /** The builder's validated settings. */
  record Options(
      Path file,
      Tokenizer tokenizer,
      int maxLength,
      JsonlDataset.OnMalformed onMalformed,
      JsonlDataset.OnOverlong onOverlong,
      boolean appendEos,
      List<String> labelNames,
      int classes,
      boolean users) {}

  private final Options o;
  private final OptionalLong eos;
  private final Map<String, Integer> labelIndex = new HashMap<>();
  private final List<Example> examples = new ArrayList<>();
  private final List<String> users = new ArrayList<>();
  private final List<JsonlDataset.Problem> malformed = new ArrayList<>();
  private final List<JsonlDataset.Problem> truncated = new ArrayList<>();
  private JsonlDataset.Kind kind;
  private long kindLine;
  private long blank;

  JsonlReader(Options o) {
    this.o = o;
    this.eos = o.tokenizer().eosId();
    if (o.labelNames() != null) {
      for (int i = 0; i < o.labelNames().size(); i++) {
        labelIndex.put(o.labelNames().get(i), i);
      }
    }
  }

  JsonlDataset read() throws IOException {
    long lineNo = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(o.file()), 1 << 16)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      String line;
      while (true) {
        line = nextLine(in, bytes, lineNo + 1);
        if (line == null) {
          break;
        }
        lineNo++;
        if (line.isBlank()) {
          blank++;
          continue;
        }
        try {
          row(lineNo, line);
        } catch (Malformed e) {
          if (o.onMalformed() == JsonlDataset.OnMalformed.FAIL) {
            throw new DatasetException(
                o.file(),
                lineNo,
                e.field,
                e.getMessage() + " (use JsonlDataset.OnMalformed.SKIP to skip such rows)");
          }
          malformed.add(new JsonlDataset.Problem(lineNo, fieldPrefix(e.field) + e.getMessage()));
        }
      }
    }
    warn("skipped", malformed, "malformed");
    warn("truncated or dropped", truncated, "longer than " + o.maxLength() + " tokens");
    if (examples.isEmpty()) {
      throw new DatasetException(
          o.file(),
          "no usable rows ("
              + lineNo
              + " lines: "
              + blank
              + " blank, "
              + malformed.size()
              + " malformed, "
              + truncated.size()
              + " overlong"
              + ")");
    }
    return new JsonlDataset(
        o.file(), kind, examples, o.users() ? users : null, malformed, truncated, lineNo);
  }

  /** The next line decoded as strict UTF-8 (without its line break), or null at the end. */
  private String nextLine(InputStream in, ByteArrayOutputStream bytes, long lineNo)
      throws IOException {
    bytes.reset();
    int b = in.read();
    if (b < 0) {
      return null;
    }
    while (b >= 0 && b != '\n') {
      bytes.write(b);
      b = in.read();
    }
    byte[] raw = bytes.toByteArray();
    int n = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw, 0, n))
          .toString();
    } catch (CharacterCodingException e) {
      throw new DatasetException(o.file(), lineNo, null, "not valid UTF-8 text");
    }
  }

  private void warn(String what, List<JsonlDataset.Problem> problems, String why) {
    if (problems.isEmpty()) {
      return;
    }
    String lines =
        problems.stream()
            .limit(LISTED_LINES)
            .map(p -> Long.toString(p.line()))
            .collect(Collectors.joining(", "));
    String more = problems.size() > LISTED_LINES ? ", ..." : "";
    LOG.warn(
        "{}: {} {} rows {} (lines {}{}); first: line {}: {}",
        o.file(),
        what,
        problems.size(),
        why,
        lines,
        more,
        problems.get(0).line(),
        problems.get(0).message());
  }

  private void row(long lineNo, String line) throws Malformed, DatasetException {
    JsonNode node;
    try {
      node = MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new Malformed(null, "invalid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new Malformed(
          null, "expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType()));
    }
    JsonlDataset.Kind k = kindOf(node);
    String user = null;
    if (o.users()) {
      if (k != JsonlDataset.Kind.CLASSIFICATION) {
        throw new Malformed(
            null, "a " + k + " row; rows with users are {\"text\", \"label\", \"user\"}");
      }
      for (var it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!f.equals("text") && !f.equals("label") && !f.equals("user")) {
          throw new Malformed(f, "unknown field; rows are {\"text\", \"label\", \"user\"}");
        }
      }
      user = user(node.get("user"));
    }
    if (kind == null) {
      kind = k;
      kindLine = lineNo;
    } else if (k != kind) {
      throw new Malformed(
          null,
          "a " + k + " row, but the file's rows are " + kind + " (from line " + kindLine + ")");
    }
    Example e =
        switch (k) {
          case COMPLETION -> completion(lineNo, node);
          case TEXT -> text(lineNo, node);
          case CLASSIFICATION -> classification(lineNo, node);
        };
    if (e != null) {
      examples.add(e);
      users.add(user);
    }
  }

  /** A row's user id: a non-empty string, or an integer written as its decimal string. */
  private static String user(JsonNode v) throws Malformed {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual() && !v.asText().isEmpty()) {
      return v.asText();
    }
    if (v.isIntegralNumber()) {
      return v.bigIntegerValue().toString();
    }
    throw new Malformed(
        "user",
        "value " + JsonlDataset.abbreviate(v.toString()) + " is not a string or integer id");
  }

  private static JsonlDataset.Kind kindOf(JsonNode node) throws Malformed {
    boolean prompt = node.has("prompt");
    boolean completion = node.has("completion");
    boolean text = node.has("text");
    if (prompt || completion) {
      if (text) {
        throw new Malformed(null, "has both 'text' and 'prompt'/'completion'");
      }
      if (!prompt) {
        throw new Malformed("prompt", "missing (a row with 'completion' needs a 'prompt')");
      }
      if (!completion) {
        throw new Malformed("completion", "missing (a row with 'prompt' needs a 'completion')");
      }
      return JsonlDataset.Kind.COMPLETION;
    }
    if (text) {
      return node.has("label") ? JsonlDataset.Kind.CLASSIFICATION : JsonlDataset.Kind.TEXT;
    }
    throw new Malformed(
        null,
        "no 'prompt'/'completion' or 'text' field (found "
            + JsonlDataset.abbreviate(String.valueOf(iteratorToList(node)))
            + ")");
  }

  private Example completion(long lineNo, JsonNode node) throws Malformed, DatasetException {
    String prompt = string(node, "prompt");
    String completion = string(node, "completion");
    if (completion.isEmpty()) {
      throw new Malformed("completion", "empty: nothing to learn");
    }
    long[] p = o.tokenizer().encode(prompt, true);
    long[] c = withEos(o.tokenizer().encode(completion, false));
    if (c.length == 0) {
      throw new Malformed("completion", "no tokens: nothing to learn");
    }
    int total = p.length + c.length;
    if (total > o.maxLength()) {
      String msg = "prompt + completion is " + total + " tokens > max length " + o.maxLength();
      overlong(lineNo, msg);
      if (p.length >= o.maxLength()) {
        truncated.add(
            new JsonlDataset.Problem(lineNo, msg + "; dropped: the prompt leaves no completion"));
        return null;
      }
      truncated.add(new JsonlDataset.Problem(lineNo, msg + "; completion truncated"));
      c = Arrays.copyOf(c, o.maxLength() - p.length);
    }
    return Example.completion(p, c);
  }

  private Example text(long lineNo, JsonNode node) throws Malformed, DatasetException {
    String text = string(node, "text");
    long[] ids = withEos(o.tokenizer().encode(text, true));
    if (ids.length < 2) {
      throw new Malformed("text", "fewer than 2 tokens: nothing to learn");
    }
    if (ids.length > o.maxLength()) {
      String msg = ids.length + " tokens > max length " + o.maxLength();
      overlong(lineNo, msg);
      truncated.add(new JsonlDataset.Problem(lineNo, msg + "; truncated"));
      ids = Arrays.copyOf(ids, o.maxLength());
    }
    return Example.text(ids);
  }

  private Example classification(long lineNo, JsonNode node) throws Malformed, DatasetException {
    String text = string(node, "text");
    int label = label(node.get("label"));
    long[] ids = o.tokenizer().encode(text, true);
    if (ids.length == 0) {
      throw new Malformed("text", "no tokens");
    }
    if (ids.length > o.maxLength()) {
      String msg = ids.length + " tokens > max length " + o.maxLength();
      overlong(lineNo, msg);
      truncated.add(new JsonlDataset.Problem(lineNo, msg + "; truncated"));
      long last = ids[ids.length - 1];
      ids = Arrays.copyOf(ids, o.maxLength());
      if (o.tokenizer().isSpecial(last)) {
        ids[o.maxLength() - 1] = last; // keep a closing special token such as [SEP]
      }
    }
    return Example.classification(ids, label);
  }

  private int label(JsonNode v) throws Malformed {
    if (v.isTextual()) {
      if (o.labelNames() == null) {
        throw new Malformed(
            "label",
            "string value "
                + JsonlDataset.abbreviate(v.toString())
                + " needs label names (optLabelNames); or use integer labels");
      }
      Integer i = labelIndex.get(v.asText());
      if (i == null) {
        throw new Malformed(
            "label",
            "value "
                + JsonlDataset.abbreviate(v.toString())
                + " is not one of "
                + JsonlDataset.abbreviate(o.labelNames().toString()));
      }
      return i;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new Malformed(
          "label",
          "value "
              + JsonlDataset.abbreviate(v.toString())
              + " is not a non-negative integer or a name");
    }
    int bound = o.classes() != 0 ? o.classes() : o.labelNames() == null ? 0 : o.labelNames().size();
    if (bound != 0 && v.intValue() >= bound) {
      throw new Malformed("label", "value " + v.intValue() + " out of range [0, " + bound + ")");
    }
    return v.intValue();
  }

  private void overlong(long lineNo, String msg) throws DatasetException {
    if (o.onOverlong() == JsonlDataset.OnOverlong.FAIL) {
      throw new DatasetException(
          o.file(),
          lineNo,
          null,
          msg + " (use JsonlDataset.OnOverlong.TRUNCATE to truncate such rows)");
    }
  }

  private long[] withEos(long[] ids) {
    if (!o.appendEos()) {
      return ids;
    }
    if (eos.isEmpty()) {
      throw new IllegalStateException(
          "tokenizer " + o.tokenizer().source() + " has no EOS token; use optAppendEos(false)");
    }
    long[] out = Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = eos.getAsLong();
    return out;
  }

  private static String string(JsonNode node, String field) throws Malformed {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new Malformed(
          field,
          "expected a string, found "
              + (v == null
                  ? "nothing"
                  : v.getNodeType() + " " + JsonlDataset.abbreviate(v.toString())));
    }
    return v.asText();
  }

  private static List<String> iteratorToList(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String fieldPrefix(String field) {
    return field == null ? "" : "field '" + field + "': ";
  }

  /** A row that cannot be used; carries the field at fault (or null). */
  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;
    private final String field;

    Malformed(String field, String message) {
      super(message, null, false, false);
      this.field = field;
    }
  }
}
