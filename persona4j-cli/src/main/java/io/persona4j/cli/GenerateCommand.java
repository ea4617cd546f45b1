/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.StreamingDecoder;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code persona4j generate}: streams a continuation of one or more prompts. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate text from a decoder with a KV cache, streaming tokens as they come.")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Hugging Face model directory.")
  Path model;

  @Option(
      names = "--prompt",
      required = true,
      description = "Prompt text; repeat the option to generate for a batch of prompts.")
  List<String> prompts;

  @Mixin SamplingOptions sampling;

  @Mixin AdapterOption adapterOption;

  // Negatable options set the opposite of their default when given in the positive form, so the
  // option is declared by its negative name: --no-stats -> true, --stats -> false (the default).
  @Option(
      names = "--no-stats",
      negatable = true,
      description = "Do not print tokens/s to stderr (--stats, the default, prints them).")
  boolean noStats;

  @Override
  public Integer call() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = adapterOption.apply(lm, m)) {
      GenerationResult r = run(lm, tok, prompts, sampling, System.out);
      if (!noStats) {
        printStats(r, System.err);
      }
    }
    return 0;
  }

  /** Generates and streams; with one prompt the text streams live, with several it is grouped. */
  static GenerationResult run(
      LlamaModel lm,
      Tokenizer tok,
      List<String> prompts,
      SamplingOptions sampling,
      PrintStream out) {
    List<long[]> ids = new ArrayList<>();
    for (String p : prompts) {
      ids.add(tok.encode(p, true));
    }
    Set<Long> stops =
        new HashSet<>(lm.config().eosTokenId().stream().map(Integer::longValue).toList());
    tok.eosId().ifPresent(stops::add);
    List<StreamingDecoder> decoders = new ArrayList<>();
    List<StringBuilder> texts = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      decoders.add(tok.newStreamingDecoder());
      texts.add(new StringBuilder());
    }
    SamplingConfig config = sampling.toConfig(stops);
    boolean live = prompts.size() == 1;
    if (live) {
      out.print(prompts.get(0));
      out.flush();
    }
    GenerationResult r =
        new Generator(lm)
            .generate(
                ids,
                config,
                (row, token) -> {
                  if (stops.contains(token)) {
                    return;
                  }
                  String piece = decoders.get(row).push(token);
                  if (live) {
                    out.print(piece);
                    out.flush();
                  } else {
                    texts.get(row).append(piece);
                  }
                });
    if (live) {
      out.println();
    } else {
      for (int i = 0; i < prompts.size(); i++) {
        out.println("[" + i + "] " + prompts.get(i) + texts.get(i));
      }
    }
    return r;
  }

  static void printStats(GenerationResult r, PrintStream err) {
    err.printf(
        "prefill: %d prompt tokens in %.1f ms (%.1f tokens/s)%n"
            + "decode:  %d tokens in %d steps, %.1f ms (%.1f tokens/s)%n",
        r.promptTokens(),
        r.prefillNanos() / 1e6,
        r.prefillTokensPerSecond(),
        r.generatedTokens(),
        r.decodeSteps(),
        r.decodeNanos() / 1e6,
        r.decodeTokensPerSecond());
  }
}
