/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlDatasetTest {
  static final long BOS = 1;
  static final long EOS = 2;

  @TempDir static Path shared;
  static Tokenizer tokenizer;

  @TempDir Path dir;

  @BeforeAll
  static void tokenizer() throws IOException {
    Path file = shared.resolve("tokenizer.json");
    TokenizerJsonWriter.writeByteLevelBpe(file, 300, List.of());
    tokenizer = Tokenizer.load(file);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  Path write(String... lines) throws IOException {
    Path f = dir.resolve("data.jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  JsonlDataset.Builder reader(Path file) {
    return JsonlDataset.builder().setFile(file).setTokenizer(tokenizer).setMaxLength(64);
  }

  @Test
  void promptCompletionRowsLearnTheCompletionAndEosOnly() throws IOException {
    JsonlDataset ds =
        reader(write("{\"prompt\": \"Hi\", \"completion\": \" there\", \"id\": 7}")).build();
    assertThat(ds.kind()).isEqualTo(JsonlDataset.Kind.COMPLETION);
    long[] prompt = tokenizer.encode("Hi", true);
    long[] completion = tokenizer.encode(" there", false);
    assertThat(prompt[0]).isEqualTo(BOS);
    Example e = ds.examples().get(0);
    long[] ids = e.ids();
    assertThat(ids).hasSize(prompt.length + completion.length + 1);
    assertThat(Arrays.copyOfRange(ids, 0, prompt.length)).containsExactly(prompt);
    assertThat(ids[ids.length - 1]).isEqualTo(EOS);
    long[] labels = e.labels();
    for (int i = 0; i < prompt.length; i++) {
      assertThat(labels[i]).isEqualTo(Example.IGNORE);
    }
    for (int i = prompt.length; i < ids.length; i++) {
      assertThat(labels[i]).isEqualTo(ids[i]);
    }
    assertThat(e.targetCount()).isEqualTo(completion.length + 1);
  }

  @Test
  void textRowsLearnEveryToken() throws IOException {
    JsonlDataset ds =
        reader(write("{\"text\": \"hello world\"}", "", "{\"text\": \"abc\"}")).build();
    assertThat(ds.kind()).isEqualTo(JsonlDataset.Kind.TEXT);
    assertThat(ds.examples()).hasSize(2);
    assertThat(ds.lineCount()).isEqualTo(3);
    Example e = ds.examples().get(0);
    assertThat(e.labels()).containsExactly(e.ids());
    assertThat(e.ids()[e.length() - 1]).isEqualTo(EOS);
  }

  @Test
  void usersAreReadAsIdsAndOtherFieldsAreRefused() throws IOException {
    JsonlDataset ds =
        reader(
                write(
                    "{\"text\": \"good\", \"label\": 1, \"user\": \"alice\"}",
                    "{\"text\": \"bad\", \"label\": 0, \"user\": 42}",
                    "{\"text\": \"meh\", \"label\": 0}"))
            .optUsers(true)
            .build();
    assertThat(ds.users()).containsExactly("alice", "42", null);
    assertThat(ds.examples()).hasSize(3);
    assertThat(reader(write("{\"text\": \"a\", \"label\": 1}")).build().users()).isNull();
    assertThatThrownBy(
            () ->
                reader(write("{\"text\": \"a\", \"label\": 1, \"usr\": \"x\"}"))
                    .optUsers(true)
                    .build())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("data.jsonl:1")
        .hasMessageContaining("usr")
        .hasMessageContaining("unknown field");
    assertThatThrownBy(
            () ->
                reader(write("{\"text\": \"a\", \"label\": 1, \"user\": [1]}"))
                    .optUsers(true)
                    .build())
        .hasMessageContaining("user")
        .hasMessageContaining("not a string or integer id");
  }

  @Test
  void classificationRowsTakeIntegerOrNamedLabels() throws IOException {
    JsonlDataset ints =
        reader(write("{\"text\": \"good\", \"label\": 1}", "{\"text\": \"bad\", \"label\": 0}"))
            .build();
    assertThat(ints.kind()).isEqualTo(JsonlDataset.Kind.CLASSIFICATION);
    assertThat(ints.examples().get(0).classLabel()).isEqualTo(1);
    assertThat(ints.examples().get(0).ids()).containsExactly(tokenizer.encode("good", true));
    JsonlDataset named =
        reader(write("{\"text\": \"good\", \"label\": \"pos\"}"))
            .optLabelNames(List.of("neg", "pos"))
            .build();
    assertThat(named.examples().get(0).classLabel()).isEqualTo(1);
    assertThatThrownBy(() -> reader(write("{\"text\": \"x\", \"label\": \"pos\"}")).build())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("data.jsonl:1: field 'label'")
        .hasMessageContaining("\"pos\"")
        .hasMessageContaining("optLabelNames");
    assertThatThrownBy(() -> reader(write("{\"text\": \"x\", \"label\": 3}")).optClasses(2).build())
        .hasMessageContaining("field 'label': value 3 out of range [0, 2)");
  }

  @Test
  void malformedRowIsFatalByDefaultNamingFileLineFieldAndValue() throws IOException {
    Path f =
        write(
            "{\"prompt\": \"a\", \"completion\": \"b\"}",
            "{\"prompt\": \"a\", \"completion\": \"b\"}",
            "{\"prompt\": \"a\", \"completion\": 42}");
    assertThatThrownBy(() -> reader(f).build())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(f + ":3: field 'completion': expected a string, found NUMBER 42")
        .satisfies(e -> assertThat(((DatasetException) e).line()).isEqualTo(3));
    assertThatThrownBy(() -> reader(write("{\"prompt\": \"a\", ")).build())
        .hasMessageContaining(":1: invalid JSON");
    assertThatThrownBy(() -> reader(write("[1, 2]")).build())
        .hasMessageContaining(":1: expected a JSON object, found ARRAY");
    assertThatThrownBy(() -> reader(write("{\"prompt\": \"a\"}")).build())
        .hasMessageContaining(":1: field 'completion': missing");
    assertThatThrownBy(() -> reader(write("{\"input\": \"a\"}")).build())
        .hasMessageContaining("no 'prompt'/'completion' or 'text' field (found [input])");
  }

  @Test
  void skippedMalformedRowsAreCountedAndWarnedAboutWithLineNumbers() throws IOException {
    Path f =
        write(
            "{\"text\": \"one\"}",
            "not json",
            "{\"text\": \"two\"}",
            "{\"text\": 5}",
            "{\"prompt\": \"a\", \"completion\": \"b\"}",
            "{\"text\": \"three\"}");
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    JsonlDataset ds;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      ds = reader(f).optOnMalformed(JsonlDataset.OnMalformed.SKIP).build();
    } finally {
      System.setErr(saved);
    }
    assertThat(ds.examples()).hasSize(3);
    assertThat(ds.malformed()).extracting(JsonlDataset.Problem::line).containsExactly(2L, 4L, 5L);
    assertThat(ds.malformed().get(2).message())
        .contains("a prompt/completion row, but the file's rows are text (from line 1)");
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("WARN")
        .contains("skipped 3 rows malformed (lines 2, 4, 5)");
  }

  @Test
  void fileWithoutUsableRowsIsAnError() throws IOException {
    assertThatThrownBy(() -> reader(write("", "  ")).build())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("no usable rows (2 lines: 2 blank, 0 malformed");
    assertThatThrownBy(
            () -> reader(write("oops")).optOnMalformed(JsonlDataset.OnMalformed.SKIP).build())
        .hasMessageContaining("no usable rows (1 lines: 0 blank, 1 malformed");
    assertThatThrownBy(() -> reader(dir.resolve("missing.jsonl")).build())
        .hasMessageContaining("missing.jsonl: not a readable file");
  }

  @Test
  void overlongSequencesAreTruncatedWithAWarningOrFatal() throws IOException {
    String longText = "a b c d e f g h i j k l m n o p q r s t u v w x y z ".repeat(4);
    Path f =
        write(
            "{\"prompt\": \"q\", \"completion\": \"" + longText + "\"}",
            "{\"prompt\": \"" + longText + "\", \"completion\": \"x\"}",
            "{\"prompt\": \"q\", \"completion\": \"short\"}");
    JsonlDataset ds = reader(f).setMaxLength(20).build();
    assertThat(ds.examples()).hasSize(2);
    assertThat(ds.examples().get(0).length()).isEqualTo(20);
    assertThat(ds.examples().get(0).targetCount())
        .isEqualTo(20 - tokenizer.encode("q", true).length);
    assertThat(ds.truncated()).extracting(JsonlDataset.Problem::line).containsExactly(1L, 2L);
    assertThat(ds.truncated().get(1).message())
        .contains("dropped: the prompt leaves no completion");
    assertThatThrownBy(
            () -> reader(f).setMaxLength(20).optOnOverlong(JsonlDataset.OnOverlong.FAIL).build())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(f + ":1: prompt + completion is")
        .hasMessageContaining("> max length 20");
  }

  @Test
  void invalidUtf8IsReportedWithItsLine() throws IOException {
    Path f = dir.resolve("bad.jsonl");
    byte[] good = "{\"text\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    byte[] all = Arrays.copyOf(good, good.length + bad.length);
    System.arraycopy(bad, 0, all, good.length, bad.length);
    Files.write(f, all);
    assertThatThrownBy(() -> reader(f).build())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("bad.jsonl:2: not valid UTF-8");
  }
}
