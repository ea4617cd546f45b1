/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDManager;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One inference engine under test: loads the checkpoint, then runs greedy generation. */
interface DecodeEngine extends AutoCloseable {
  /**
   * @param prefillNanos time of the prompt pass(es), including the first token's logits
   * @param decodeNanos time of all later steps
   * @param promptTokens prompt tokens over all rows
   * @param decodeTokens tokens produced by decode steps (all generated minus one per row)
   * @param firstRow the tokens generated for row 0
   */
  record Run(
      long prefillNanos, long decodeNanos, long promptTokens, long decodeTokens, long[] firstRow) {
    double prefillTokensPerSecond() {
      return promptTokens * 1e9 / prefillNanos;
    }

    double decodeTokensPerSecond() {
      return decodeTokens * 1e9 / decodeNanos;
    }
  }

  /** Greedy generation of {@code newTokens} tokens for every prompt. */
  Run generate(List<long[]> prompts, int newTokens);

  @Override
  void close() throws Exception;

  static DecodeEngine open(String name, Path dir, LlamaConfig config) throws IOException {
    return switch (name) {
      case "persona4j" -> new Persona4j(dir, config);
      case "jlama" -> new Jlama(dir);
      default -> throw new IllegalArgumentException("unknown engine " + name);
    };
  }

  /** Persona4j: one batched {@link Generator} call (left padding, KV cache, one step per token). */
  final class Persona4j implements DecodeEngine {
    private final NDManager manager = TensorRuntime.newManager();
    private final LlamaModel model;

    Persona4j(Path dir, LlamaConfig config) throws IOException {
      this.model = LlamaModel.load(dir, manager); // config.json + safetensors, as users load
    }

    @Override
    public Run generate(List<long[]> prompts, int newTokens) {
      GenerationResult r =
          new Generator(model)
              .generate(prompts, SamplingConfig.greedy(newTokens, Set.of()), TokenListener.NONE);
      return new Run(
          r.prefillNanos(),
          r.decodeNanos(),
          r.promptTokens(),
          r.generatedTokens() - prompts.size(),
          r.tokens().get(0));
    }

    @Override
    public void close() {
      model.close();
      manager.close();
    }
  }

  /**
   * Jlama 0.8.4: its generation loop without the tokenizer (batched prompt pass, then {@code
   * forward} + greedy {@code sample} per token, in-memory KV cache). Jlama has no multi-sequence
   * batch decoding, so a batch is run as one sequence after the other.
   */
  final class Jlama implements DecodeEngine {
    private final AbstractModel model;

    Jlama(Path dir) {
      this.model = ModelSupport.loadModel(dir.toFile(), DType.F32, DType.F32);
    }

    @Override
    public Run generate(List<long[]> prompts, int newTokens) {
      long prefill = 0;
      long decode = 0;
      long promptTokens = 0;
      long decodeTokens = 0;
      long[] first = null;
      for (long[] prompt : prompts) {
        int[] ids = new int[prompt.length];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = Math.toIntExact(prompt[i]);
        }
        long[] out = new long[newTokens];
        try (KvBufferCache.KvBuffer kv = new KvBufferCache(model).getEphemeralKvBuffer();
            AbstractTensor scratch = model.makeDenseTensor(model.getConfig().vocabularySize)) {
          long t0 = System.nanoTime();
          AbstractTensor h = model.batchForward(ids, 0, kv);
          int next = model.sample(h.slice(ids.length - 1), 0f, 0f, scratch);
          h.close();
          long t1 = System.nanoTime();
          out[0] = next;
          for (int i = 1; i < newTokens; i++) {
            h = model.forward(next, ids.length + i - 1, kv, Optional.empty());
            next = model.sample(h, 0f, 0f, scratch);
            h.close();
            out[i] = next;
          }
          long t2 = System.nanoTime();
          prefill += t1 - t0;
          decode += t2 - t1;
        }
        promptTokens += ids.length;
        decodeTokens += newTokens - 1;
        if (first == null) {
          first = out;
        }
      }
      return new Run(prefill, decode, promptTokens, decodeTokens, first);
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
