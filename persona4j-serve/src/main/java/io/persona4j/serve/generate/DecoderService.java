/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.generate;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.MultiLora;
import io.persona4j.adapters.lora.ServingAdapter;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.batch.BatchEngine;
import io.persona4j.core.generate.batch.EngineListener;
import io.persona4j.core.generate.batch.QueueFullException;
import io.persona4j.core.generate.batch.Sequence;
import io.persona4j.core.generate.batch.SequenceRequest;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.ChatTemplate;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.Personalization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A decoder served to many users at once: the model with {@link MultiLora} installed, the {@link
 * BatchEngine} that batches every running request (rows of different users' adapters in one pass),
 * the tokenizer and the chat template. Thread-safe: requests call {@link #start} from their own
 * threads.
 */
public final class DecoderService implements AutoCloseable {
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final ChatTemplate chat;
  private final MultiLora lora;
  private final BatchEngine engine;
  private final Set<Long> stopTokens;
  private final NDManager manager;

  /** Engine settings. */
  public record Settings(int maxBatch, int maxQueue, int maxSequenceLength, int maxPrefillTokens) {}

  private DecoderService(
      LlamaModel model,
      Tokenizer tokenizer,
      ChatTemplate chat,
      MultiLora lora,
      BatchEngine engine,
      NDManager manager) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.lora = lora;
    this.engine = engine;
    this.manager = manager;
    Set<Long> stops = new HashSet<>();
    model.config().eosTokenId().forEach(i -> stops.add(i.longValue()));
    tokenizer.eosId().ifPresent(stops::add);
    this.stopTokens = Set.copyOf(stops);
  }

  /**
   * Loads the decoder in {@code dir} (config.json, safetensors, tokenizer.json, and
   * tokenizer_config.json's chat template if any) and starts its engine.
   */
  public static DecoderService open(
      Path dir, LlamaModel model, Settings s, EngineListener listener, NDManager parent)
      throws IOException {
    Tokenizer tok = Tokenizer.fromDirectory(dir);
    NDManager m = parent.newSubManager();
    MultiLora ml = null;
    try {
      ChatTemplate chat = ChatTemplate.load(dir).orElse(null);
      int maxPos = model.config().maxPositionEmbeddings();
      int len = s.maxSequenceLength() > 0 ? Math.min(s.maxSequenceLength(), maxPos) : maxPos;
      ml = MultiLora.install(model, s.maxBatch(), m);
      BatchEngine engine =
          BatchEngine.builder()
              .setModel(model)
              .optMaxBatch(s.maxBatch())
              .optMaxQueue(s.maxQueue())
              .optMaxSequenceLength(len)
              .optMaxPrefillTokens(s.maxPrefillTokens())
              .optRowAdapters(ml)
              .optListener(listener)
              .build();
      return new DecoderService(model, tok, chat, ml, engine, m);
    } catch (IOException | RuntimeException e) {
      if (ml != null) {
        ml.close();
      }
      m.close();
      tok.close();
      throw e;
    }
  }

  /** Loads a user's adapter version for this decoder (called by the adapter cache's loader). */
  public Personalization load(AdapterRef ref, Path dir) throws IOException {
    return new Personalization(ref, ServingAdapter.load(model, dir, ref.label(), manager), null);
  }

  /** A completion prompt's ids (with the tokenizer's special tokens, as {@code generate} does). */
  public long[] encode(String prompt) {
    return tokenizer.encode(prompt, true);
  }

  /** The model's chat template, if it has one. */
  public Optional<ChatTemplate> chatTemplate() {
    return Optional.ofNullable(chat);
  }

  /**
   * A chat's prompt ids: the template renders the special tokens itself, so none are added (as
   * transformers' {@code apply_chat_template} tokenizes).
   */
  public long[] encodeChat(List<ChatTemplate.Message> messages) {
    if (chat == null) {
      throw new IllegalStateException("no chat template");
    }
    return tokenizer.encode(chat.render(messages, true), false);
  }

  /**
   * Queues a generation.
   *
   * @param adapter the user's adapter, or null for the base model
   * @throws QueueFullException if the engine's queue is full
   */
  public TextGeneration start(
      long[] prompt,
      int maxTokens,
      float temperature,
      float topP,
      long seed,
      List<String> stop,
      ServingAdapter adapter)
      throws QueueFullException {
    SamplingConfig cfg = new SamplingConfig(maxTokens, temperature, 0, topP, 1f, stopTokens, seed);
    TextGeneration g =
        new TextGeneration(tokenizer.newStreamingDecoder(), stop, stopTokens, prompt.length);
    Sequence s = engine.submit(new SequenceRequest(prompt, cfg, adapter), g);
    g.attach(s);
    return g;
  }

  public BatchEngine engine() {
    return engine;
  }

  public LlamaModel model() {
    return model;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The longest prompt plus new tokens of one request. */
  public int maxSequenceLength() {
    return engine.maxSequenceLength();
  }

  /** Bytes of the per-row adapter factor copies. */
  public long rowFactorBytes() {
    return lora.bytes();
  }

  @Override
  public void close() {
    engine.close();
    lora.close();
    manager.close();
    tokenizer.close();
  }
}
