/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import io.persona4j.federated.app.FederatedLoraClient;
import io.persona4j.federated.app.LoraBase;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How {@code fed simulate} and {@code fed client} read a client's JSONL data: the longest example
 * and what to do with a malformed row. The data is read (and checked) before the first round.
 */
final class FedDataOptions {
  /** What to do with a malformed row. */
  enum OnBadRow {
    fail,
    skip
  }

  @Option(
      names = "--max-len",
      defaultValue = "256",
      description =
          "Longest example in tokens; longer ones are truncated (default ${DEFAULT-VALUE}).")
  int maxLen;

  @Option(
      names = "--on-bad-row",
      defaultValue = "fail",
      description = "fail or skip on malformed rows of a client's data (default ${DEFAULT-VALUE}).")
  OnBadRow onBadRow;

  /**
   * The examples of {@code file}, tokenized by the base model's tokenizer; skipped rows are
   * reported on {@code err}.
   *
   * @throws IOException naming the file and line, with the command-line fix
   */
  List<Example> read(LoraBase base, String client, Path file, PrintStream err) throws IOException {
    if (maxLen < 2) {
      throw new IllegalArgumentException("--max-len must be >= 2, got " + maxLen);
    }
    try {
      List<Example> examples =
          FederatedLoraClient.readExamples(
              base,
              file,
              maxLen,
              onBadRow == OnBadRow.skip
                  ? JsonlDataset.OnMalformed.SKIP
                  : JsonlDataset.OnMalformed.FAIL);
      err.printf("%s: %d examples from %s%n", client, examples.size(), file);
      return examples;
    } catch (DatasetException e) {
      // the library's hint names its API; on the command line the flag is what to change
      throw new IOException(
          "client '"
              + client
              + "': "
              + e.getMessage().replace("JsonlDataset.OnMalformed.SKIP", "--on-bad-row skip"),
          e);
    }
  }
}
