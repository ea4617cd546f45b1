/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j embed}: mean-pooled sentence embedding of a BERT-style encoder as JSON. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description =
        "Print the mean-pooled embedding of a text as a JSON array (an array of arrays when"
            + " --text is repeated).")
final class EmbedCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Hugging Face encoder directory.")
  Path model;

  @Option(names = "--text", required = true, description = "Text to embed; repeat for several.")
  List<String> texts;

  @Option(names = "--normalize", description = "L2-normalize (as sentence-transformers does).")
  boolean normalize;

  @Option(
      names = "--max-tokens",
      description = "Truncate longer inputs to this many tokens (default: the model's maximum).")
  Integer maxTokens;

  @Override
  public Integer call() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model)) {
      int max = maxTokens == null ? bert.config().maxPositionEmbeddings() : maxTokens;
      float[][] e = bert.embed(tok, texts, max, BertModel.DEFAULT_BATCH_SIZE, normalize);
      System.out.println(Json.write(texts.size() == 1 ? e[0] : e));
    }
    return 0;
  }
}
