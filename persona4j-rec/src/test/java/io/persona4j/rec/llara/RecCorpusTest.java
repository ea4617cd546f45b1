/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RecCorpus}: prompt+answer texts, LM examples, JSONL that core's reader reads back. */
class RecCorpusTest {
  @TempDir Path dir;

  static final List<RecSample> SAMPLES =
      List.of(
          new RecSample(3, new int[] {1, 3}, new int[] {6, 2}, 2),
          new RecSample(4, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, new int[] {11, 12}, 12));

  @Test
  void writesTextOnlyPromptsWithTheirAnswers() throws Exception {
    Path tokFile = dir.resolve("tokenizer.json");
    LlaraFixture.writeTokenizer(tokFile, 512);
    try (Tokenizer tok = Tokenizer.load(tokFile)) {
      LlaraPrompt prompt =
          new LlaraPrompt(tok, ItemCatalog.of(LlaraFixture.TITLES), LlaraPromptConfig.movies(256));
      List<String> texts = RecCorpus.texts(prompt, SAMPLES);
      assertThat(texts.get(0))
          .isEqualTo(
              "This user has watched Toy Story (1995), Heat (1995) in the previous. Please"
                  + " predict the next movie this user will watch. Choose the answer from the"
                  + " following 2 movie titles: Casino (1995), Jumanji (1995). Answer: Jumanji"
                  + " (1995)");
      List<Example> examples = RecCorpus.examples(prompt, SAMPLES);
      for (int i = 0; i < SAMPLES.size(); i++) {
        long[] ids = prompt.encode(SAMPLES.get(i), PromptMode.TEXT).ids();
        assertThat(examples.get(i).ids()).containsExactly(ids);
        assertThat(examples.get(i).labels()).containsExactly(ids); // every token learned
      }

      // Core's JSONL reader turns the rows into the same token sequences.
      Path text = dir.resolve("corpus.jsonl");
      RecCorpus.writeTextJsonl(text, prompt, SAMPLES);
      assertThat(Files.readAllLines(text)).hasSize(2);
      JsonlDataset read =
          JsonlDataset.builder().setFile(text).setTokenizer(tok).setMaxLength(256).build();
      assertThat(read.kind()).isEqualTo(JsonlDataset.Kind.TEXT);
      assertThat(read.examples()).containsExactlyElementsOf(examples);
      Path completions = dir.resolve("completions.jsonl");
      RecCorpus.writeCompletionJsonl(completions, prompt, SAMPLES);
      JsonlDataset c =
          JsonlDataset.builder().setFile(completions).setTokenizer(tok).setMaxLength(256).build();
      assertThat(c.kind()).isEqualTo(JsonlDataset.Kind.COMPLETION);
      for (int i = 0; i < SAMPLES.size(); i++) {
        assertThat(c.examples().get(i))
            .isEqualTo(prompt.encode(SAMPLES.get(i), PromptMode.TEXT).toExample());
      }

      // Texts respect the max length: the long history loses its oldest items.
      int full = examples.get(1).length();
      LlaraPrompt shorter =
          new LlaraPrompt(
              tok, ItemCatalog.of(LlaraFixture.TITLES), LlaraPromptConfig.movies(full - 1));
      String cut = RecCorpus.texts(shorter, SAMPLES).get(1);
      assertThat(cut).doesNotContain("Toy Story").contains("Othello (1995) in the previous");
      assertThat(RecCorpus.examples(shorter, SAMPLES).get(1).length()).isLessThan(full);
    }
  }
}
