/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Coverage-guided fuzzing of the training-data JSONL reader (what {@code train} and every federated
 * client read): any bytes as the data file, read strictly or skipping bad rows. Only an {@link
 * IOException} (a {@code DatasetException} naming file, line and field) may come out.
 */
class JsonlDatasetFuzzTest {

  private static final Path DIR;
  private static final Tokenizer TOKENIZER;

  static {
    try {
      DIR = Files.createTempDirectory("p4j-fuzz-jsonl");
      DIR.toFile().deleteOnExit();
      Path tok = DIR.resolve("tokenizer.json");
      TokenizerJsonWriter.writeByteLevelBpe(tok, 300, List.of());
      TOKENIZER = Tokenizer.load(tok);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "120s")
  void anyDataFileReadsOrFailsNamingTheLine(FuzzedDataProvider d) throws IOException {
    boolean skip = d.consumeBoolean();
    int maxLength = d.consumeInt(2, 64);
    Path file = DIR.resolve("data.jsonl");
    String text =
        d.consumeBoolean()
            ? "{\""
                + d.pickValue(new String[] {"prompt", "text", "completion", "label", "x"})
                + "\": "
                + d.consumeString(24)
                + "}\n"
                + d.consumeRemainingAsString()
            : d.consumeRemainingAsString();
    Files.writeString(file, text);
    try {
      JsonlDataset.builder()
          .setFile(file)
          .setTokenizer(TOKENIZER)
          .setMaxLength(maxLength)
          .optOnMalformed(skip ? JsonlDataset.OnMalformed.SKIP : JsonlDataset.OnMalformed.FAIL)
          .build();
    } catch (IOException expected) {
      // malformed: an error naming the file and line
    }
  }
}
