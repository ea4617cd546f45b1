/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDManager;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  /** Bytes of weights one decode step streams (projections and LM head). */
  long decodeWeightBytes();

  static DecodeEngine open(
      String name, Path dir, LlamaConfig config, WeightPrecision weights, int loraRank)
      throws IOException {
    if (loraRank > 0 && !name.startsWith("persona4j")) {
      throw new IllegalArgumentException("+lora is a persona4j engine option, not " + name);
    }
    return switch (name) {
      case "persona4j" -> new Persona4j(dir, weights, loraRank, true);
      case "persona4j-torch" -> {
        if (weights != WeightPrecision.F32) {
          throw new IllegalArgumentException("persona4j-torch is F32 only (PyTorch every step)");
        }
        yield new Persona4j(dir, weights, loraRank, false);
      }
      case "jlama" -> new Jlama(dir, config, weights);
      default -> throw new IllegalArgumentException("unknown engine " + name);
    };
  }

  /** Weights of the projections and the LM head (what a decode step multiplies with). */
  static long matrixWeights(LlamaConfig c) {
    long h = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    long perLayer = h * (q + 2 * kv) + q * h + 3L * h * c.intermediateSize();
    return perLayer * c.numHiddenLayers() + (long) c.vocabSize() * h;
  }

  /** Persona4j: one batched {@link Generator} call (left padding, KV cache, one step per token). */
  final class Persona4j implements DecodeEngine {
    private final NDManager manager = TensorRuntime.newManager();
    private final LlamaModel model;
    private final LoraModel lora; // null without an adapter

    /**
     * @param kernel decode small batches on io.persona4j.core.kernel (generate --weights); false:
     *     PyTorch computes every step (the F32 path before the in-place kernel, engine
     *     persona4j-torch)
     */
    Persona4j(Path dir, WeightPrecision weights, int loraRank, boolean kernel) throws IOException {
      // config.json + safetensors, as users load (generate --weights)
      this.model = kernel ? LlamaModel.load(dir, manager, weights) : LlamaModel.load(dir, manager);
      if (loraRank > 0) { // unmerged and active, as generate --adapter and serving run it
        this.lora = LoraModel.of(model, manager);
        lora.add(
            "bench",
            LoraConfig.builder()
                .optR(loraRank)
                .optAlpha(2 * loraRank)
                .optTargets(
                    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
                .build(),
            1);
        lora.setTrainable("bench", false); // frozen, as serving and generate --adapter load it
      } else {
        this.lora = null;
      }
    }

    @Override
    public long decodeWeightBytes() {
      return model.decodeWeightBytes();
    }

    /**
     * The adapter's cost measured in this one process: {@code pairs} pairs of batch-1 generations,
     * with the adapter active and inactive in turn (alternating which goes first), each pair's
     * decode tok/s ratio. Adjacent runs of one JVM see the same machine state more closely than
     * runs of two worker JVMs.
     */
    Map<String, Object> loraPairs(long[] prompt, int newTokens, int pairs) {
      if (lora == null) {
        throw new IllegalStateException("no adapter: start the engine with +lora");
      }
      double[] with = new double[pairs];
      double[] without = new double[pairs];
      for (int i = 0; i < pairs; i++) {
        for (int k = 0; k < 2; k++) {
          boolean on = (i + k) % 2 == 0;
          if (on) {
            lora.activate("bench");
          } else {
            lora.deactivate("bench");
          }
          Run r = generate(List.of(prompt), newTokens);
          (on ? with : without)[i] = r.decodeTokensPerSecond();
        }
      }
      lora.activate("bench");
      double[] ratio = new double[pairs];
      for (int i = 0; i < pairs; i++) {
        ratio[i] = with[i] / without[i];
      }
      Map<String, Object> r = new java.util.LinkedHashMap<>();
      r.put("pairs", pairs);
      r.put("with_tokens_per_s", with);
      r.put("without_tokens_per_s", without);
      r.put("ratio", ratio);
      return r;
    }

    /** {@link DecodeProfile#run} of this engine's model. */
    Map<String, Object> profile(long[] prompt, int steps) throws IOException {
      return DecodeProfile.run(model, prompt, steps);
    }

    /**
     * Perplexity of the model on {@code sequences} (one full pass each, PyTorch on the weights as
     * rounded for decoding): exp of the mean negative log-likelihood of every token after the
     * first.
     */
    double perplexity(List<long[]> sequences) {
      double nll = 0;
      long n = 0;
      int v = model.config().vocabSize();
      for (long[] seq : sequences) {
        try (NDManager m = manager.newSubManager()) {
          float[] logits =
              model
                  .logits(m.create(seq, new ai.djl.ndarray.types.Shape(1, seq.length)), null)
                  .toFloatArray(); // [T, V]
          for (int t = 0; t + 1 < seq.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
              max = Math.max(max, logits[t * v + j]);
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
              sum += Math.exp(logits[t * v + j] - max);
            }
            nll += max + Math.log(sum) - logits[t * v + (int) seq[t + 1]];
            n++;
          }
        }
      }
      return Math.exp(nll / n);
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
      if (lora != null) {
        lora.close();
      }
      model.close();
      manager.close();
    }
  }

  /**
   * Jlama 0.8.4: its generation loop without the tokenizer (batched prompt pass, then {@code
   * forward} + greedy {@code sample} per token, in-memory KV cache). Jlama has no multi-sequence
   * batch decoding, so a batch is run as one sequence after the other. For BF16 the checkpoint is
   * converted once by Jlama's own {@code SafeTensorSupport.quantizeModel} into a sibling directory
   * and loaded with F32 working memory (its F32 x BF16 kernel). Jlama has no int8 decode here.
   */
  final class Jlama implements DecodeEngine {
    private final AbstractModel model;
    private final long weightBytes;

    Jlama(Path dir, LlamaConfig config, WeightPrecision weights) throws IOException {
      long n = matrixWeights(config);
      switch (weights) {
        case F32 -> {
          this.model = ModelSupport.loadModel(dir.toFile(), DType.F32, DType.F32);
          this.weightBytes = 4 * n;
        }
        case BF16 -> {
          this.model =
              ModelSupport.loadModel(converted(dir, DType.BF16).toFile(), DType.F32, DType.F32);
          this.weightBytes = 2 * n;
        }
        case INT8 ->
            // its converter writes I8, but PanamaTensorOperations.batchDotProduct then throws
            // UnsupportedOperationException("I8"): its Panama kernels take F32, BF16 or Q4 weights
            throw new IllegalArgumentException(
                "Jlama 0.8.4 cannot decode int8 (I8) weights without jlama-native: compare"
                    + " persona4j/int8 against jlama/bf16 or jlama");
        default -> throw new IllegalArgumentException(weights.toString());
      }
    }

    private static Path converted(Path dir, DType type) throws IOException {
      Path out = dir.resolveSibling(dir.getFileName() + "-jlama-" + type.name().toLowerCase());
      if (!Files.exists(out.resolve("config.json"))) {
        // Jlama's converter copies README.md with the model files: a staging directory of links
        Path src = dir.resolveSibling(out.getFileName() + ".src");
        Path tmp = dir.resolveSibling(out.getFileName() + ".tmp");
        Files.createDirectories(src);
        try (var files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Path link = src.resolve(f.getFileName());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
              Files.createSymbolicLink(link, f.toAbsolutePath());
            }
          }
        }
        if (!Files.exists(src.resolve("README.md"))) {
          Files.writeString(src.resolve("README.md"), "Persona4j random benchmark checkpoint\n");
        }
        if (Files.exists(tmp)) { // left by an interrupted conversion
          try (var walk = Files.walk(tmp)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
              Files.delete(f);
            }
          }
        }
        SafeTensorSupport.quantizeModel(src, type, new String[0], new String[0], Optional.of(tmp));
        Files.move(tmp, out);
      }
      return out;
    }

    @Override
    public long decodeWeightBytes() {
      return weightBytes;
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
