/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import io.persona4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Training examples from a JSON Lines file, one JSON object per line, all rows of one kind:
 *
 * <ul>
 *   <li>{@code {"prompt": "...", "completion": "..."}}: only completion tokens are learned;
 *   <li>{@code {"text": "..."}}: every token is learned;
 *   <li>{@code {"text": "...", "label": 1}}: sequence classification; a label is an integer in
 *       {@code [0, classes)} or, with {@link Builder#optLabelNames}, one of the names.
 * </ul>
 *
 * Other fields are ignored, except with {@link Builder#optUsers}: classification rows then carry an
 * optional {@code "user"} (a string or an integer id, see {@link #users()}) and any field other
 * than {@code text}, {@code label} and {@code user} is malformed. Blank lines are skipped. A prompt
 * is tokenized with the tokenizer's special tokens (e.g. BOS), a completion without them, then EOS
 * is appended to completions and texts (unless switched off). Malformed rows (invalid JSON, missing
 * or mistyped fields, a kind other than the file's first row's) are fatal or skipped with a warning
 * listing their line numbers; sequences longer than the maximum length are fatal or truncated with
 * a warning. Nothing is dropped silently: {@link #malformed()} and {@link #truncated()} list what
 * happened.
 */
public final class JsonlDataset {
  /** What to do with a row that cannot be used. */
  public enum OnMalformed {
    FAIL,
    SKIP
  }

  /** What to do with a sequence longer than the maximum length. */
  public enum OnOverlong {
    FAIL,
    TRUNCATE
  }

  /** The row format of a file. */
  public enum Kind {
    COMPLETION("prompt/completion"),
    TEXT("text"),
    CLASSIFICATION("text/label");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    @Override
    public String toString() {
      return description;
    }
  }

  /** A line that was skipped or changed, and why. */
  public record Problem(long line, String message) {}

  private final Path file;
  private final Kind kind;
  private final List<Example> examples;
  private final List<String> users;
  private final List<Problem> malformed;
  private final List<Problem> truncated;
  private final long lines;

  JsonlDataset(
      Path file,
      Kind kind,
      List<Example> examples,
      List<String> users,
      List<Problem> malformed,
      List<Problem> truncated,
      long lines) {
    this.file = file;
    this.kind = kind;
    this.examples = Collections.unmodifiableList(examples);
    this.users = users == null ? null : Collections.unmodifiableList(users);
    this.malformed = Collections.unmodifiableList(malformed);
    this.truncated = Collections.unmodifiableList(truncated);
    this.lines = lines;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Path file() {
    return file;
  }

  public Kind kind() {
    return kind;
  }

  /** The usable examples in file order. */
  public List<Example> examples() {
    return examples;
  }

  /**
   * The user id of each example, in the order of {@link #examples()} (integer ids as their decimal
   * string; null where a row has no {@code user}), or null unless read with {@link
   * Builder#optUsers}.
   */
  public List<String> users() {
    return users;
  }

  /** Rows skipped as malformed (empty unless {@link OnMalformed#SKIP}). */
  public List<Problem> malformed() {
    return malformed;
  }

  /** Rows truncated to the maximum length, or dropped because truncation left nothing to learn. */
  public List<Problem> truncated() {
    return truncated;
  }

  /** Lines in the file, blank ones included. */
  public long lineCount() {
    return lines;
  }

  /**
   * Reads a JSONL file: {@code setFile}, {@code setTokenizer} and {@code setMaxLength} required.
   */
  public static final class Builder {
    private Path file;
    private Tokenizer tokenizer;
    private int maxLength;
    private OnMalformed onMalformed = OnMalformed.FAIL;
    private OnOverlong onOverlong = OnOverlong.TRUNCATE;
    private boolean appendEos = true;
    private List<String> labelNames;
    private int classes;
    private boolean users;

    private Builder() {}

    public Builder setFile(Path file) {
      this.file = file;
      return this;
    }

    public Builder setTokenizer(Tokenizer tokenizer) {
      this.tokenizer = tokenizer;
      return this;
    }

    /** Maximum tokens per example, prompt and completion together. */
    public Builder setMaxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Default {@link OnMalformed#FAIL}. */
    public Builder optOnMalformed(OnMalformed onMalformed) {
      this.onMalformed = Objects.requireNonNull(onMalformed, "onMalformed");
      return this;
    }

    /** Default {@link OnOverlong#TRUNCATE}. */
    public Builder optOnOverlong(OnOverlong onOverlong) {
      this.onOverlong = Objects.requireNonNull(onOverlong, "onOverlong");
      return this;
    }

    /** Whether EOS ends completions and texts (default true; needs a tokenizer with an EOS). */
    public Builder optAppendEos(boolean appendEos) {
      this.appendEos = appendEos;
      return this;
    }

    /** Class names: string labels map to their index, and integer labels must be below the size. */
    public Builder optLabelNames(List<String> labelNames) {
      this.labelNames = List.copyOf(labelNames);
      return this;
    }

    /** Number of classes: integer labels must be below it (0, the default, checks nothing). */
    public Builder optClasses(int classes) {
      this.classes = classes;
      return this;
    }

    /**
     * Whether classification rows carry a {@code "user"} field (default false): read into {@link
     * JsonlDataset#users()}; fields other than {@code text}, {@code label}, {@code user} are then
     * malformed, as are other row kinds.
     */
    public Builder optUsers(boolean users) {
      this.users = users;
      return this;
    }

    /**
     * Reads and tokenizes the file.
     *
     * @throws DatasetException naming the file (and line, field, value) for malformed rows under
     *     {@link OnMalformed#FAIL}, overlong rows under {@link OnOverlong#FAIL}, a file without
     *     usable rows, or text that is not UTF-8
     * @throws IOException if the file cannot be read
     */
    public JsonlDataset build() throws IOException {
      Objects.requireNonNull(file, "setFile is required");
      Objects.requireNonNull(tokenizer, "setTokenizer is required");
      if (maxLength < 2) {
        throw new IllegalArgumentException("setMaxLength must be >= 2, got " + maxLength);
      }
      if (labelNames != null && classes != 0 && labelNames.size() != classes) {
        throw new IllegalArgumentException(
            labelNames.size() + " label names for " + classes + " classes");
      }
      if (!Files.isRegularFile(file)) {
        throw new DatasetException(file, "not a readable file");
      }
      return new JsonlReader(
              new JsonlReader.Options(
                  file,
                  tokenizer,
                  maxLength,
                  onMalformed,
                  onOverlong,
                  appendEos,
                  labelNames,
                  classes,
                  users))
          .read();
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
