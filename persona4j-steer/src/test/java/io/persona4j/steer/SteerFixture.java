/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.TinyCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Tiny random cloud/device model pairs for tests: a 2-layer Llama "cloud" and a 1-layer Qwen2-style
 * "device" (biases, tied embeddings), both with a chat template in {@code tokenizer_config.json}.
 * By default they share one tokenizer (the exact method); the device's logits are padded to 520
 * while its tokenizer has 512 ids, as Qwen2.5's are.
 */
public final class SteerFixture {
  /** A chat template in the style of the real ones (specials as single tokens). */
  public static final String TEMPLATE =
      "{% for m in messages %}<s>{{ m['role'] }}\n{{ m['content'] }}</s>\n{% endfor %}"
          + "{% if add_generation_prompt %}<s>assistant\n{% endif %}";

  public static final int VOCAB = 512;

  private SteerFixture() {}

  /** The cloud model: Llama, 2 layers, hidden 64, GQA 4/2, 512 ids. */
  public static Path cloud(Path dir, long seed) throws IOException {
    LlamaConfig c = ModelInit.decoderConfig("llama", 2, 64, 4, 2, VOCAB, 0, 256);
    TinyCheckpoint.write(dir, c, seed, 0.35f);
    chatTemplate(dir);
    return dir;
  }

  /**
   * The device model: Qwen2-style, 1 layer, hidden 32, logit width 520 with the cloud's 512-id
   * tokenizer.
   */
  public static Path device(Path dir, Path cloudDir, long seed) throws IOException {
    LlamaConfig c = ModelInit.decoderConfig("qwen2", 1, 32, 4, 2, VOCAB + 8, 0, 256);
    TinyCheckpoint.write(dir, c, seed, 0.35f);
    Files.copy(
        cloudDir.resolve("tokenizer.json"),
        dir.resolve("tokenizer.json"),
        StandardCopyOption.REPLACE_EXISTING);
    chatTemplate(dir);
    return dir;
  }

  /** Writes {@code tokenizer_config.json} with {@link #TEMPLATE}. */
  public static void chatTemplate(Path dir) throws IOException {
    String json =
        "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": "
            + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(TEMPLATE)
            + "}";
    Files.writeString(dir.resolve("tokenizer_config.json"), json);
  }
}
