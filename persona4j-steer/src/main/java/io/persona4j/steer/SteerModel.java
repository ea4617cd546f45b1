/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.ChatTemplate;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoder with its tokenizer and chat template, as one side of CoSteer uses it: the cloud model
 * or the device model. Turns a (system, user) message pair into prompt ids the way the authors'
 * runner does ({@code apply_chat_template(..., add_generation_prompt=True)} then tokenization), or
 * the raw text when asked to or when the model has no chat template (a base model).
 */
public final class SteerModel implements AutoCloseable {
  private final Path dir;
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final ChatTemplate template;
  private final Vocabulary vocabulary;

  private SteerModel(Path dir, LlamaModel model, Tokenizer tokenizer, ChatTemplate template) {
    this.dir = dir;
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
    this.vocabulary = Vocabulary.of(tokenizer, model.config().vocabSize(), dir.toString());
  }

  /**
   * Loads a Hugging Face decoder directory (config.json, safetensors, tokenizer.json and, for an
   * instruct model, tokenizer_config.json with its chat template).
   *
   * @throws IOException naming the directory and what is wrong
   */
  public static SteerModel load(Path dir, NDManager parent) throws IOException {
    return load(dir, parent, WeightPrecision.F32);
  }

  /**
   * As {@link #load(Path, NDManager)}, with the precision decode steps stream the weights in
   * ({@link LlamaModel#load(Path, NDManager, WeightPrecision)}).
   *
   * @throws IOException naming the directory and what is wrong
   */
  public static SteerModel load(Path dir, NDManager parent, WeightPrecision precision)
      throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(precision, "precision");
    LlamaModel model = LlamaModel.load(dir, parent, precision);
    Tokenizer tokenizer = null;
    try {
      tokenizer = Tokenizer.fromDirectory(dir);
      ChatTemplate template = ChatTemplate.load(dir).orElse(null);
      return new SteerModel(dir, model, tokenizer, template);
    } catch (IOException | RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      model.close();
      throw e;
    }
  }

  public Path dir() {
    return dir;
  }

  public LlamaModel model() {
    return model;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  public Optional<ChatTemplate> template() {
    return Optional.ofNullable(template);
  }

  public Vocabulary vocabulary() {
    return vocabulary;
  }

  /** Largest number of positions a stream of this model can hold. */
  public int maxPositions() {
    return model.config().maxPositionEmbeddings();
  }

  /**
   * The prompt text of one stream: the chat template applied to an optional system message and the
   * user message (with the generation prompt), or {@code user} itself when {@code raw} or when the
   * model has no chat template.
   */
  public String promptText(String system, String user, boolean raw) {
    if (raw || template == null) {
      return user;
    }
    List<ChatTemplate.Message> messages = new ArrayList<>();
    if (system != null && !system.isEmpty()) {
      messages.add(ChatTemplate.Message.system(system));
    }
    messages.add(ChatTemplate.Message.user(user));
    return template.render(messages, true);
  }

  /**
   * Token ids of {@link #promptText}. BOS is added by the tokenizer unless the rendered text
   * already starts with the BOS token (templates that write {@code {{ bos_token }}} themselves).
   */
  public long[] promptIds(String system, String user, boolean raw) {
    String text = promptText(system, user, raw);
    boolean hasBos =
        tokenizer.bosId().isPresent()
            && tokenizer.token(tokenizer.bosId().getAsLong()).map(text::startsWith).orElse(false);
    long[] ids = tokenizer.encode(text, !hasBos);
    if (ids.length == 0) {
      throw new IllegalArgumentException(dir + ": the prompt encodes to no tokens");
    }
    return ids;
  }

  /** Whether prompts of this model go through a chat template unless {@code raw}. */
  public boolean hasChatTemplate() {
    return template != null;
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }
}
