/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes valid Hugging Face {@code tokenizer.json} files for tiny generated models. The output is
 * deterministic: the same arguments give byte-identical files.
 */
public final class TokenizerJsonWriter {
  /** Specials of the byte-level BPE files, ids 0 to 3. */
  public static final List<String> BPE_SPECIALS = List.of("<pad>", "<s>", "</s>", "<unk>");

  /** Smallest byte-level BPE vocabulary: 4 specials and 256 byte tokens. */
  public static final int MIN_BPE_VOCAB_SIZE = BPE_SPECIALS.size() + 256;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TokenizerJsonWriter() {}

  /**
   * Writes a GPT-2-style byte-level BPE tokenizer (as used by Llama 3) with exactly {@code
   * vocabSize} ids: {@code <pad>}=0, {@code <s>}=1, {@code </s>}=2, {@code <unk>}=3 (special added
   * tokens), the 256 byte tokens in byte order (id = 4 + byte, GPT-2 {@code bytes_to_unicode}
   * symbols), then the merges learned from {@code trainingTexts} (the {@link DefaultCorpus} when
   * empty) by most frequent pair, ties lexicographic. If the texts run out of pairs, the rest is
   * filled with special {@code <|reserved_N|>} tokens. The pre-tokenizer and decoder are {@code
   * ByteLevel} (no prefix space; the pre-tokenizer is written as a one-element {@code Sequence},
   * which Jlama needs to recognise byte-level mode), and the post-processor prepends {@code <s>},
   * so {@code encode(text, true)} starts with BOS like Llama. Every string encodes without unknown
   * tokens.
   *
   * @throws IllegalArgumentException if {@code vocabSize < 260}
   */
  public static void writeByteLevelBpe(Path out, int vocabSize, List<String> trainingTexts)
      throws IOException {
    writeByteLevelBpe(out, vocabSize, trainingTexts, List.of());
  }

  /**
   * {@link #writeByteLevelBpe(Path, int, List)} with {@code extraSpecials} reserved as special
   * added tokens right after the learned merges (before any {@code <|reserved_N|>} filler), within
   * {@code vocabSize}: each always encodes as one token wherever it occurs in a text (added tokens
   * are matched before the BPE model) and is skipped by {@code decode(.., true)}. Used for
   * placeholder tokens such as LLaRA's {@code [HistoryEmb]}, whose input embedding a model
   * replaces.
   *
   * @throws IllegalArgumentException if {@code vocabSize < 260 + extraSpecials.size()}, or an extra
   *     special is blank, repeated or one of {@link #BPE_SPECIALS}
   */
  public static void writeByteLevelBpe(
      Path out, int vocabSize, List<String> trainingTexts, List<String> extraSpecials)
      throws IOException {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(extraSpecials, "extraSpecials");
    int minimum = MIN_BPE_VOCAB_SIZE + extraSpecials.size();
    if (vocabSize < minimum) {
      throw new IllegalArgumentException(
          "vocabSize must be at least "
              + minimum
              + " for byte-level BPE (4 special tokens + 256 byte tokens + "
              + extraSpecials.size()
              + " extra special tokens), got "
              + vocabSize);
    }
    Set<String> extras = new HashSet<>();
    for (String e : extraSpecials) {
      if (e == null || e.isBlank()) {
        throw new IllegalArgumentException("extra special token is blank: '" + e + "'");
      }
      if (BPE_SPECIALS.contains(e) || !extras.add(e)) {
        throw new IllegalArgumentException("extra special token '" + e + "' is repeated");
      }
    }
    List<String> texts = trainingTexts.isEmpty() ? DefaultCorpus.paragraphs() : trainingTexts;
    ByteLevelBpeTrainer.Result learned = ByteLevelBpeTrainer.train(texts, vocabSize - minimum);

    Map<String, Integer> vocab = new LinkedHashMap<>();
    BPE_SPECIALS.forEach(s -> vocab.put(s, vocab.size()));
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(ByteLevelAlphabet.symbol(b)), vocab.size());
    }
    learned.newTokens().forEach(t -> vocab.put(t, vocab.size()));
    for (String e : extraSpecials) {
      if (vocab.putIfAbsent(e, vocab.size()) != null) {
        throw new IllegalArgumentException(
            "extra special token '" + e + "' is also a byte or learned token of the vocabulary");
      }
    }
    Set<String> special = new HashSet<>(BPE_SPECIALS);
    special.addAll(extraSpecials);
    for (int i = 0; vocab.size() < vocabSize; i++) {
      String reserved = "<|reserved_" + i + "|>";
      special.add(reserved);
      vocab.put(reserved, vocab.size());
    }
    if (vocab.size() != vocabSize) {
      throw new IllegalStateException(
          "BPE vocabulary has " + vocab.size() + " tokens, not " + vocabSize);
    }

    ObjectNode root = header(addedTokens(vocab, special));
    root.putNull("normalizer");
    ObjectNode byteLevel = byteLevel();
    ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
    pre.putArray("pretokenizers").add(byteLevel);
    root.set("post_processor", template("<s>", vocab.get("<s>"), null, -1));
    root.set("decoder", byteLevel());
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    ObjectNode v = model.putObject("vocab");
    vocab.forEach(v::put);
    ArrayNode merges = model.putArray("merges");
    learned.merges().forEach(merges::add);
    write(out, root);
  }

  /**
   * Writes a BERT-style WordPiece tokenizer: {@code BertNormalizer} (lower-casing and accent
   * stripping as {@code lowercase} says), {@code BertPreTokenizer}, a WordPiece model with {@code
   * ##} continuations and {@code [UNK]}, the post-processor {@code [CLS] $A [SEP]} and a WordPiece
   * decoder. The id of each token is its position in {@code vocab}.
   *
   * @param vocab distinct tokens, holding [PAD], [UNK], [CLS], [SEP] and [MASK]
   * @throws IllegalArgumentException if a special token is missing or a token is blank or repeated
   */
  public static void writeWordPiece(Path out, List<String> vocab, boolean lowercase)
      throws IOException {
    Objects.requireNonNull(out, "out");
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (String token : vocab) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("WordPiece vocab has a blank token at " + ids.size());
      }
      if (ids.putIfAbsent(token, ids.size()) != null) {
        throw new IllegalArgumentException("WordPiece vocab repeats token '" + token + "'");
      }
    }
    for (String s : WordPieceVocab.SPECIALS) {
      if (!ids.containsKey(s)) {
        throw new IllegalArgumentException(
            "WordPiece vocab must hold " + WordPieceVocab.SPECIALS + ", missing " + s);
      }
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    ids.forEach(
        (t, id) -> {
          if (WordPieceVocab.SPECIALS.contains(t)) {
            specials.put(t, id);
          }
        });
    ObjectNode root = header(addedTokens(specials, specials.keySet()));
    root.putObject("normalizer")
        .put("type", "BertNormalizer")
        .put("clean_text", true)
        .put("handle_chinese_chars", true)
        .putNull("strip_accents")
        .put("lowercase", lowercase);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    root.set("post_processor", template("[CLS]", ids.get("[CLS]"), "[SEP]", ids.get("[SEP]")));
    root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece").put("unk_token", "[UNK]");
    model.put("continuing_subword_prefix", "##").put("max_input_chars_per_word", 100);
    ObjectNode v = model.putObject("vocab");
    ids.forEach(v::put);
    write(out, root);
  }

  /**
   * A BERT-style vocabulary of exactly {@code vocabSize} tokens for {@link #writeWordPiece} (meant
   * for {@code lowercase = true}): [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, every printable
   * ASCII and corpus character alone and with {@code ##}, common suffixes, the words of the {@link
   * DefaultCorpus} by frequency, then {@code [unusedN]}.
   *
   * @throws IllegalArgumentException if {@code vocabSize} is below the specials and characters
   */
  public static List<String> defaultWordPieceVocab(int vocabSize) {
    return WordPieceVocab.build(vocabSize);
  }

  private static ObjectNode header(ArrayNode addedTokens) {
    ObjectNode root = F.objectNode();
    root.put("version", "1.0").putNull("truncation").putNull("padding");
    root.set("added_tokens", addedTokens);
    return root;
  }

  private static ArrayNode addedTokens(Map<String, Integer> vocab, Set<String> special) {
    ArrayNode added = F.arrayNode();
    vocab.forEach(
        (token, id) -> {
          if (special.contains(token)) {
            added
                .addObject()
                .put("id", id)
                .put("content", token)
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
          }
        });
    return added;
  }

  private static ObjectNode byteLevel() {
    return F.objectNode()
        .put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
  }

  /** TemplateProcessing: {@code first $A [last]}, pairs {@code first $A [last] $B:1 [last:1]}. */
  private static ObjectNode template(String first, int firstId, String last, int lastId) {
    ObjectNode t = F.objectNode().put("type", "TemplateProcessing");
    ArrayNode single = t.putArray("single");
    special(single, first, 0);
    sequence(single, "A", 0);
    special(single, last, 0);
    ArrayNode pair = t.putArray("pair");
    special(pair, first, 0);
    sequence(pair, "A", 0);
    special(pair, last, 0);
    if (last == null) {
      special(pair, first, 1);
    }
    sequence(pair, "B", 1);
    special(pair, last, 1);
    ObjectNode tokens = t.putObject("special_tokens");
    specialToken(tokens, first, firstId);
    if (last != null) {
      specialToken(tokens, last, lastId);
    }
    return t;
  }

  private static void special(ArrayNode a, String token, int typeId) {
    if (token != null) {
      a.addObject().putObject("SpecialToken").put("id", token).put("type_id", typeId);
    }
  }

  private static void sequence(ArrayNode a, String id, int typeId) {
    a.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
  }

  private static void specialToken(ObjectNode tokens, String token, int id) {
    ObjectNode s = tokens.putObject(token).put("id", token);
    s.putArray("ids").add(id);
    s.putArray("tokens").add(token);
  }

  private static void write(Path out, ObjectNode root) throws IOException {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    printer.indentObjectsWith(indenter);
    printer.indentArraysWith(indenter);
    byte[] bytes = MAPPER.writer(printer).writeValueAsBytes(root);
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    AtomicFiles.write(out, bytes);
  }
}
