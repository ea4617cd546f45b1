/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.tokenizer.Tokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Batched greedy decoding from prompt <em>embeddings</em> (hybrid prompts have no token ids for
 * their item rows): core's {@link Generator#generateFromEmbeddings} on the left-padded prompts,
 * after the model's batch hook (e.g. iLoRA's gate input) has seen them. A row stops at an EOS
 * token, at a line break in its decoded text, or after {@code maxNewTokens}.
 */
final class GreedyDecoder {
  private final LlaraModel model;

  GreedyDecoder(LlaraModel model) {
    this.model = model;
  }

  /**
   * @return per prompt the generated token ids (the stop token included)
   */
  List<long[]> decode(List<EncodedPrompt> prompts, int maxNewTokens, NDManager parent) {
    Tokenizer tokenizer = model.prompt().tokenizer();
    Set<Long> eos = new HashSet<>();
    for (long id : tokenizer.eosIds()) {
      eos.add(id);
    }
    PromptBatch batch = PromptBatch.of(prompts, model.prompt().padId(), true);
    try (NDManager m = parent.newSubManager()) {
      model.beforeForward(batch.samples, m);
      return new Generator(model.decoder())
          .generateFromEmbeddings(
              model.embeds(batch, m), // [B, P, H]
              batch.valid,
              SamplingConfig.greedy(maxNewTokens, eos),
              TokenListener.NONE,
              (row, generated) -> tokenizer.decode(generated, true).indexOf('\n') >= 0)
          .tokens();
    }
  }
}
