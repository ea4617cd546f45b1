/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Context + completion documents of the pre-training: only the completion and EOS are learned, the
 * tokens are the context's (with BOS) then the completion's, and a pair longer than the window is
 * left out rather than cut.
 */
class PretrainingDocumentsTest {
  @Test
  void onlyTheCompletionAndEosAreLearned(@TempDir Path dir) throws Exception {
    List<String> corpus =
        List.of("Choose from: Heat (1995), Up (2009). Answer: Heat (1995)", "Movies: Up (2009)");
    Path file = dir.resolve("tokenizer.json");
    TokenizerJsonWriter.writeByteLevelBpe(file, 300, corpus);
    try (Tokenizer tok = Tokenizer.load(file)) {
      long eos = tok.eosIds()[0];
      Pretraining.Document d =
          new Pretraining.Document("Choose from: Heat (1995), Up (2009). Answer:", " Heat (1995)");
      Pretraining.Document tooLong = new Pretraining.Document("x".repeat(400), " Up (2009)");
      List<Example> ex = Pretraining.completions(tok, List.of(d, tooLong), 64);
      assertThat(ex).hasSize(1);
      long[] context = tok.encode(d.text(), true);
      long[] answer = tok.encode(d.completion(), false);
      long[] ids = ex.get(0).ids();
      long[] labels = ex.get(0).labels();
      assertThat(ids).hasSize(context.length + answer.length + 1);
      assertThat(Arrays.copyOf(ids, context.length)).containsExactly(context);
      assertThat(Arrays.copyOfRange(ids, context.length, ids.length - 1)).containsExactly(answer);
      assertThat(ids[ids.length - 1]).isEqualTo(eos);
      for (int i = 0; i < labels.length; i++) {
        assertThat(labels[i]).isEqualTo(i < context.length ? Example.IGNORE : ids[i]);
      }
      assertThat(ex.get(0).targetCount()).isEqualTo(answer.length + 1);
      assertThat(d.fullText()).isEqualTo(d.text() + d.completion());
      assertThat(Pretraining.Document.plain("a").fullText()).isEqualTo("a");
    }
    assertThatThrownBy(() -> new Pretraining.Document("a", ""))
        .hasMessageContaining("empty completion");
    assertThatThrownBy(() -> new Pretraining.Document(null, "b")).hasMessageContaining("text");
  }
}
