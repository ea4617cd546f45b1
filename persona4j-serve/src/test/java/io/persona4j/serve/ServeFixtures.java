/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Tiny models and random adapters for the serving tests. */
public final class ServeFixtures {
  /** A chat template in tokenizer_config.json: "role: content" lines, then "assistant:". */
  public static final String CHAT_TEMPLATE =
      "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
          + "{% if add_generation_prompt %}assistant:{% endif %}";

  static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private ServeFixtures() {}

  /** A 2-layer random Llama (hidden 64, vocab 512, 256 positions), with a chat template. */
  public static Path model(Path dir, boolean chatTemplate) throws IOException {
    LlamaConfig c = ModelInit.decoderConfig("llama", 2, 64, 4, 2, 512, 0, 256);
    ModelInit.write(c, 42, 0.08f, DType.F32, dir);
    if (chatTemplate) {
      Files.writeString(
          dir.resolve("tokenizer_config.json"),
          "{\"chat_template\": "
              + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(CHAT_TEMPLATE)
              + "}");
    }
    return dir;
  }

  /** A random LoRA adapter (rank r on every projection, A and B uniform in ±0.3) for the model. */
  public static Path adapter(Path model, int r, long seed, Path out) throws IOException {
    LoraConfig cfg =
        LoraConfig.builder()
            .optR(r)
            .optAlpha(2.0 * r)
            .optTargets(ALL.toArray(String[]::new))
            .build();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      lora.add("a", cfg, seed);
      SplittableRandom rnd = new SplittableRandom(seed);
      for (LoraUnit u : lora.units("a").values()) {
        try (NDManager tmp = m.newSubManager()) {
          u.assign(uniform(tmp, rnd, u.a()), uniform(tmp, rnd, u.b()));
        }
      }
      lora.save("a", out);
    }
    return out;
  }

  private static ai.djl.ndarray.NDArray uniform(
      NDManager m, SplittableRandom r, ai.djl.ndarray.NDArray like) {
    float[] v = new float[Math.toIntExact(like.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (0.6 * r.nextDouble() - 0.3);
    }
    return m.create(v, like.getShape());
  }

  /**
   * What {@code persona4j generate --model M [--adapter A] --prompt P} generates (the same code
   * path: Generator, LoraModel, the tokenizer's special tokens, EOS stop tokens), as text.
   */
  public static String generate(
      Path model, Path adapter, String prompt, int maxTokens, float temperature, long seed)
      throws IOException {
    long[] out = generateTokens(model, adapter, prompt, maxTokens, temperature, seed);
    try (Tokenizer tok = Tokenizer.fromDirectory(model)) {
      return tok.decode(out, true);
    }
  }

  /** The token ids {@link #generate} decodes (a final end-of-sequence token included). */
  public static long[] generateTokens(
      Path model, Path adapter, String prompt, int maxTokens, float temperature, long seed)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = LoraModel.of(lm, m)) {
      if (adapter != null) {
        lora.load(adapter, "x");
        lora.activate("x");
      }
      Set<Long> stops = new HashSet<>();
      lm.config().eosTokenId().forEach(i -> stops.add(i.longValue()));
      tok.eosId().ifPresent(stops::add);
      return new Generator(lm)
          .generate(
              List.of(tok.encode(prompt, true)),
              new SamplingConfig(maxTokens, temperature, 0, 1f, 1f, stops, seed),
              TokenListener.NONE)
          .tokens()
          .get(0);
    }
  }
}
