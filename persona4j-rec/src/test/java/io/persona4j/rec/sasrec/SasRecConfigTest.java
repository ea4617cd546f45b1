/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SasRecConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsFollowTheReference() {
    SasRecConfig c = SasRecConfig.builder().setNumItems(100).build();
    assertThat(c.maxLen()).isEqualTo(50);
    assertThat(c.hiddenSize()).isEqualTo(64);
    assertThat(c.numBlocks()).isEqualTo(2);
    assertThat(c.numHeads()).isEqualTo(1);
    assertThat(c.dropout()).isEqualTo(0.2);
    assertThat(c.learningRate()).isEqualTo(1e-3);
    assertThat(c.batchSize()).isEqualTo(128);
    assertThat(c.l2()).isZero();
    assertThat(c.normFirst()).isFalse();
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void invalidFieldsAreNamedWithTheirValue() {
    expectInvalid(b -> b.setNumItems(0), "'num_items' = 0");
    expectInvalid(b -> b.optMaxLen(0), "'max_len' = 0");
    expectInvalid(b -> b.optHiddenSize(-3), "'hidden_size' = -3");
    expectInvalid(b -> b.optNumBlocks(-1), "'num_blocks' = -1");
    expectInvalid(b -> b.optNumHeads(0), "'num_heads' = 0");
    expectInvalid(
        b -> b.optHiddenSize(64).optNumHeads(3), "'num_heads' = 3 is invalid: must divide");
    expectInvalid(b -> b.optDropout(1.0), "'dropout' = 1.0");
    expectInvalid(b -> b.optDropout(-0.1), "'dropout' = -0.1");
    expectInvalid(b -> b.optLearningRate(0), "'learning_rate' = 0.0");
    expectInvalid(b -> b.optLearningRate(Double.NaN), "'learning_rate' = NaN");
    expectInvalid(b -> b.optBatchSize(0), "'batch_size' = 0");
    expectInvalid(b -> b.optEpochs(-1), "'epochs' = -1");
    expectInvalid(b -> b.optL2(-1e-3), "'l2' = -0.001");
    expectInvalid(b -> b.optPatience(-2), "'patience' = -2");
  }

  private static void expectInvalid(UnaryOperator<SasRecConfig.Builder> edit, String message) {
    assertThatThrownBy(() -> edit.apply(SasRecConfig.builder().setNumItems(10)).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void jsonRoundTripWithVersion() throws IOException {
    SasRecConfig c =
        SasRecConfig.builder()
            .setNumItems(9066)
            .optMaxLen(10)
            .optNumHeads(2)
            .optNormFirst(true)
            .optSplitLongSequences(true)
            .optL2(1e-4)
            .optSeed(-7)
            .build();
    Path f = dir.resolve(SasRecConfigFile.FILE_NAME);
    SasRecConfigFile.write(f, c);
    String text = Files.readString(f);
    assertThat(text)
        .contains("\"format_version\" : 1")
        .contains("\"code_version\"")
        .contains("\"num_items\" : 9066")
        .contains("\"max_len\" : 10")
        .doesNotContain("head_dim");
    assertThat(SasRecConfigFile.read(f)).isEqualTo(c);
  }

  @Test
  void readerRejectsOtherVersionsAndBadFields() throws IOException {
    Path f = dir.resolve(SasRecConfigFile.FILE_NAME);
    SasRecConfigFile.write(f, SasRecConfig.builder().setNumItems(5).build());
    String good = Files.readString(f);

    expectReadError(
        f,
        good.replace("\"format_version\" : 1", "\"format_version\" : 2"),
        "'format_version' = 2: unsupported");
    expectReadError(f, good.replace("\"format_version\" : 1,", ""), "no 'format_version'");
    expectReadError(f, good.replace("\"max_len\" : 50", "\"max_len\" : 0"), "'max_len' = 0");
    expectReadError(f, good.replace("\"max_len\" : 50,", ""), "max_len");
    expectReadError(
        f, good.replace("\"max_len\" : 50", "\"max_len\" : 50, \"max_length\" : 3"), "max_length");
    expectReadError(
        f, good.replace("\"model_type\" : \"sasrec\"", "\"model_type\" : \"bert\""), "model_type");
    expectReadError(f, good.replace("\"hidden_size\" : 64,", "\"hidden_size\" : 64,,"), "line ");
  }

  private static void expectReadError(Path f, String text, String message) throws IOException {
    Files.write(f, text.getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> SasRecConfigFile.read(f))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(f.toString())
        .hasMessageContaining(message);
  }
}
