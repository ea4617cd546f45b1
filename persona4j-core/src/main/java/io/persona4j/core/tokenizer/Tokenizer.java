/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (any model type the Rust {@code tokenizers}
 * library reads: BPE, WordPiece, Unigram, WordLevel), run natively through DJL, offline.
 *
 * <p>Truncation and padding settings stored in the file are switched off: {@link #encode} always
 * returns every token of the text. {@code encode}/{@code decode} may be called from several
 * threads; {@link #close} frees the native tokenizer and must be called once, after all use (use
 * try-with-resources).
 */
public final class Tokenizer implements AutoCloseable {
  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
  private static final List<String> ANCHORS = List.of("a", "e", "the", "A");

  private final Path source;
  private final HuggingFaceTokenizer hf;
  private final TokenizerJson json;
  private final SpecialTokens specials;
  private final long anchorId;
  private final String anchorText;

  private Tokenizer(Path source, HuggingFaceTokenizer hf, TokenizerJson json, SpecialTokens sp) {
    this.source = source;
    this.hf = hf;
    this.json = json;
    this.specials = sp;
    long anchor = -1;
    String text = "";
    for (String a : ANCHORS) {
      Long id = json.id(a);
      if (id != null && !json.isSpecial(id)) {
        String t = hf.decode(new long[] {id}, false);
        if (!t.isEmpty() && t.indexOf('\uFFFD') < 0) {
          anchor = id;
          text = t;
          break;
        }
      }
    }
    this.anchorId = anchor;
    this.anchorText = text;
  }

  /**
   * Loads a {@code tokenizer.json} file (a directory is passed on to {@link #fromDirectory}).
   * Special tokens are detected from the file's added tokens by common names ({@code <s>}, {@code
   * </s>}, {@code <|endoftext|>}, {@code [CLS]}, {@code <pad>}, ...).
   *
   * @throws IOException naming the file when it is missing, unreadable, not JSON, or not a
   *     tokenizer the native library accepts
   */
  public static Tokenizer load(Path tokenizerJson) throws IOException {
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    if (Files.isDirectory(tokenizerJson)) {
      return fromDirectory(tokenizerJson);
    }
    String text = read(tokenizerJson);
    TokenizerJson json = TokenizerJson.parse(tokenizerJson, text);
    return open(tokenizerJson, text, json, SpecialTokens.detect(json));
  }

  /**
   * Loads {@code modelDir/tokenizer.json}; the BOS/EOS/PAD/UNK ids may be overridden by the
   * directory's {@code tokenizer_config.json}, {@code config.json} and {@code
   * generation_config.json} (in increasing priority).
   *
   * @throws IOException when the directory or its tokenizer.json is missing (the message lists what
   *     was looked for) or a file in it is invalid (the message names it)
   */
  public static Tokenizer fromDirectory(Path modelDir) throws IOException {
    Objects.requireNonNull(modelDir, "modelDir");
    if (!Files.isDirectory(modelDir)) {
      throw new NoSuchFileException(modelDir.toString(), null, "model directory not found");
    }
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      String hint =
          Files.exists(modelDir.resolve("tokenizer.model"))
              ? "; found tokenizer.model (SentencePiece), which is not supported: convert it to"
                  + " tokenizer.json (e.g. save the fast tokenizer with Hugging Face transformers)"
              : "";
      throw new NoSuchFileException(
          modelDir.toString(), null, "no tokenizer found, looked for " + file + hint);
    }
    String text = read(file);
    TokenizerJson json = TokenizerJson.parse(file, text);
    SpecialTokens sp = SpecialTokens.detect(json).withModelDirectory(modelDir, json);
    return open(file, text, json, sp);
  }

  private static String read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "tokenizer file not found");
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("Invalid tokenizer file " + file + ": not UTF-8 text", e);
    }
  }

  private static Tokenizer open(Path file, String text, TokenizerJson json, SpecialTokens sp)
      throws IOException {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    HuggingFaceTokenizer hf;
    try (InputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))) {
      hf = HuggingFaceTokenizer.newInstance(in, OPTIONS);
    } catch (RuntimeException e) {
      throw new IOException("Cannot load tokenizer file " + file + ": " + e.getMessage(), e);
    }
    try {
      return new Tokenizer(file, hf, json, sp);
    } catch (RuntimeException e) {
      hf.close();
      throw new IOException("Cannot load tokenizer file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The tokenizer.json this was loaded from. */
  public Path source() {
    return source;
  }

  /** Token ids of {@code text}; with {@code addSpecialTokens} the post-processor adds BOS etc. */
  public long[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    return hf.encode(text, addSpecialTokens, false).getIds();
  }

  /** {@link #encode} of each text (natively in parallel); no padding. */
  public List<long[]> encodeAll(List<String> texts, boolean addSpecialTokens) {
    if (texts.isEmpty()) {
      return List.of();
    }
    Encoding[] encodings = hf.batchEncode(texts, addSpecialTokens, false);
    List<long[]> out = new ArrayList<>(encodings.length);
    for (Encoding e : encodings) {
      out.add(e.getIds());
    }
    return out;
  }

  /**
   * The text of {@code ids}; ids that are not in the vocabulary are skipped. Incomplete UTF-8 (a
   * byte token cut off) decodes to U+FFFD.
   */
  public String decode(long[] ids, boolean skipSpecialTokens) {
    Objects.requireNonNull(ids, "ids");
    return ids.length == 0 ? "" : hf.decode(ids, skipSpecialTokens);
  }

  /**
   * The surface text one token adds after other text: byte-level {@code 'Ġ'} and SentencePiece
   * {@code '▁'} become a space, a WordPiece {@code ##} continuation has none. A token holding only
   * part of a multi-byte character gives U+FFFD: stream generated text with {@link
   * #newStreamingDecoder()} instead. Computed as {@code decode([a, id])} minus {@code decode([a])}
   * for a plain anchor token {@code a} (such as {@code "a"}), so decoders that treat the first
   * token specially do not strip its space.
   */
  public String tokenText(long id) {
    if (anchorId >= 0) {
      String both = hf.decode(new long[] {anchorId, id}, false);
      if (both.startsWith(anchorText)) {
        return both.substring(anchorText.length());
      }
    }
    return hf.decode(new long[] {id}, false);
  }

  /** A decoder that turns generated ids into text incrementally, skipping special tokens. */
  public StreamingDecoder newStreamingDecoder() {
    return new StreamingDecoder(this, true);
  }

  /** A decoder that turns generated ids into text incrementally. */
  public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens) {
    return new StreamingDecoder(this, skipSpecialTokens);
  }

  /** Number of distinct token ids: the model vocabulary plus the added tokens. */
  public int vocabSize() {
    return json.vocabSize();
  }

  /** Id of a token string exactly as in the vocabulary (e.g. {@code "Ġthe"}, {@code "##ing"}). */
  public OptionalLong tokenId(String token) {
    Long id = json.id(token);
    return id == null ? OptionalLong.empty() : OptionalLong.of(id);
  }

  /** The vocabulary string of a token id. */
  public Optional<String> token(long id) {
    return Optional.ofNullable(json.token(id));
  }

  /** Whether {@code id} is an added token marked special (skipped by {@code decode(.., true)}). */
  public boolean isSpecial(long id) {
    return json.isSpecial(id);
  }

  /** Beginning-of-sequence id. */
  public OptionalLong bosId() {
    return SpecialTokens.optional(specials.bos());
  }

  /** The preferred end-of-sequence id (the first of {@link #eosIds()}). */
  public OptionalLong eosId() {
    return specials.eos().isEmpty() ? OptionalLong.empty() : OptionalLong.of(specials.eos().get(0));
  }

  /** All end-of-sequence ids (a generation_config.json may list several); maybe empty. */
  public long[] eosIds() {
    return specials.eos().stream().mapToLong(Long::longValue).toArray();
  }

  /** Padding id. */
  public OptionalLong padId() {
    return SpecialTokens.optional(specials.pad());
  }

  /** Unknown-token id. */
  public OptionalLong unkId() {
    return SpecialTokens.optional(specials.unk());
  }

  /** Frees the native tokenizer; later calls fail. Idempotent. */
  @Override
  public void close() {
    hf.close();
  }

  @Override
  public String toString() {
    return "Tokenizer[" + source + ", vocabSize=" + vocabSize() + "]";
  }
}
