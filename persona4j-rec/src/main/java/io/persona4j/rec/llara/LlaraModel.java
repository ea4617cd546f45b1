/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaModel;
import java.util.List;
import java.util.Objects;

/**
 * A LLaRA recommender's parts: the decoder (with whatever adapters are injected into it), the
 * prompt builder, the hybrid embedder (null for a text-only recommender) and the hook run before
 * every forward pass. The training objective and both evaluation protocols run through it.
 */
public final class LlaraModel {
  private final LlamaModel decoder;
  private final LlaraPrompt prompt;
  private final HybridEmbedder embedder;
  private final BatchHook hook;

  /**
   * @param embedder null for text-only prompts only
   * @param hook run before each forward pass; {@link BatchHook#NONE} if nothing is needed
   */
  public LlaraModel(
      LlamaModel decoder, LlaraPrompt prompt, HybridEmbedder embedder, BatchHook hook) {
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.embedder = embedder;
    this.hook = Objects.requireNonNull(hook, "hook");
    int maxPositions = decoder.config().maxPositionEmbeddings();
    if (prompt.config().maxLength() > maxPositions) {
      throw new IllegalArgumentException(
          "prompt max length "
              + prompt.config().maxLength()
              + " exceeds the model's max_position_embeddings "
              + maxPositions);
    }
    if (embedder != null && embedder.itemCount() < prompt.catalog().itemCount()) {
      throw new IllegalArgumentException(
          "item vectors cover "
              + embedder.itemCount()
              + " items, the catalog has "
              + prompt.catalog().itemCount());
    }
  }

  public LlamaModel decoder() {
    return decoder;
  }

  public LlaraPrompt prompt() {
    return prompt;
  }

  /** The hybrid embedder, or null for a text-only recommender. */
  public HybridEmbedder embedder() {
    return embedder;
  }

  /** Whether hybrid prompts can be run. */
  public boolean supportsHybrid() {
    return embedder != null;
  }

  void beforeForward(List<RecSample> samples, NDManager m) {
    hook.beforeForward(samples, m);
  }

  /** Input embeddings of a collated batch {@code [B, T, H]}. */
  NDArray embeds(PromptBatch b, NDManager m) {
    NDArray ids = b.ids(m);
    if (b.items.length == 0) {
      return decoder.embed(ids);
    }
    if (embedder == null) {
      throw new IllegalStateException("hybrid prompts need a HybridEmbedder; this one has none");
    }
    return embedder.embed(ids, b.flatPositions, b.items);
  }

  /** Final hidden states of a collated batch without a cache ({@code [B, T, H]}); runs the hook. */
  NDArray hidden(PromptBatch b, NDManager m) {
    beforeForward(b.samples, m);
    NDArray mask =
        AttentionMask.causal(b.valid, 0, b.length, decoder.config().attentionWindow(), m);
    return decoder.hidden(embeds(b, m), b.positions(m), mask, null);
  }

  /** Hidden states over a prefilled or growing cache (the hook is the caller's job). */
  NDArray hidden(NDArray embeds, NDArray positions, NDArray mask, KvCache cache) {
    return decoder.hidden(embeds, positions, mask, cache);
  }

  /**
   * Logits {@code [B, T, V]} of encoded prompts, right-padded (padding masked); runs the hook.
   *
   * @param m manager of the inputs and the result
   */
  public NDArray logits(List<EncodedPrompt> prompts, NDManager m) {
    return decoder.lmHead(hidden(PromptBatch.of(prompts, prompt.padId(), false), m));
  }
}
