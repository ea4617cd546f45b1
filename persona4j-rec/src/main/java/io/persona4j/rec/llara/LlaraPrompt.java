/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.Example;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes and tokenizes LLaRA prompts (Liao et al., SIGIR 2024): {@code "This user has watched
 * [history] in the previous. Please predict the next movie this user will watch. Choose the answer
 * from the following 20 movie titles: [candidates]. Answer:"} with the answer {@code " " + title}
 * (+ EOS).
 *
 * <p>The prompt is tokenized with the tokenizer's special tokens (BOS), the answer without them,
 * and the two are concatenated, so the prompt tokens of training and evaluation are identical.
 * Labels mark the answer tokens only.
 *
 * <p><b>Placeholder tokens.</b> In hybrid mode each item's title is followed by a placeholder
 * ({@link LlaraPromptConfig#historyToken()}, {@link LlaraPromptConfig#candidateToken()}) whose
 * input embedding is replaced. A placeholder must be a single special added token of the tokenizer
 * (added tokens are matched before the BPE model, so it is one token wherever it occurs). For
 * Persona4j's own tokenizers, reserve it when writing the tokenizer: {@code
 * TokenizerJsonWriter.writeByteLevelBpe(out, vocab, texts, List.of("[HistoryEmb]", "[CansEmb]"))}.
 * An external Hugging Face tokenizer that lacks the token is rejected with an error rather than
 * extended: a new token would need a new embedding row (transformers' {@code
 * resize_token_embeddings}), which a loaded checkpoint does not have; instead configure an existing
 * unused special token as the placeholder (Llama 3: {@code <|reserved_special_token_0|>}). The
 * check runs at the first hybrid encoding, so text-only use needs no placeholder.
 *
 * <p><b>Max length.</b> When the sequence does not fit, the oldest history items are dropped (never
 * the candidates nor the answer); if even the most recent history item alone does not fit, encoding
 * fails naming the user and the lengths.
 *
 * <p>Thread-safe if the tokenizer is (it is).
 */
public final class LlaraPrompt {
  private static final Pattern MARKS =
      Pattern.compile("\\[HistoryHere\\]|\\[CansHere\\]|\\[CansCount\\]");

  private final Tokenizer tokenizer;
  private final ItemCatalog catalog;
  private final LlaraPromptConfig config;
  private final long eosId;
  private final long padId;
  private volatile long[] placeholderIds; // {history, candidate}, resolved on first hybrid use
  private volatile Long suffixId; // textItemSuffix's id, resolved on first use
  private final Map<Integer, long[]> answerCache = new ConcurrentHashMap<>();

  /**
   * @throws IllegalArgumentException if the answer needs EOS and the tokenizer has none
   */
  public LlaraPrompt(Tokenizer tokenizer, ItemCatalog catalog, LlaraPromptConfig config) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.config = Objects.requireNonNull(config, "config");
    OptionalLong eos = tokenizer.eosId();
    if (config.appendEos() && eos.isEmpty()) {
      throw new IllegalArgumentException(
          tokenizer.source() + " has no EOS token; set appendEos=false or use another tokenizer");
    }
    this.eosId = eos.orElse(-1);
    this.padId = tokenizer.padId().orElse(eos.orElse(0));
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  public ItemCatalog catalog() {
    return catalog;
  }

  public LlaraPromptConfig config() {
    return config;
  }

  /** The EOS id, or -1 if the tokenizer has none. */
  public long eosId() {
    return eosId;
  }

  /** A token id to pad batches with (the tokenizer's pad, else EOS, else 0); always masked. */
  public long padId() {
    return padId;
  }

  /** The prompt text of {@code sample} with its whole history. */
  public String text(RecSample sample, PromptMode mode) {
    return text(sample, mode, sample.history().length);
  }

  /** The prompt text showing only the {@code historyKept} most recent history items. */
  public String text(RecSample sample, PromptMode mode, int historyKept) {
    int[] history = sample.history();
    if (historyKept < 1 || historyKept > history.length) {
      throw new IllegalArgumentException(
          "historyKept " + historyKept + " outside 1.." + history.length);
    }
    int[] candidates = sample.candidates();
    StringBuilder hist = new StringBuilder();
    for (int i = history.length - historyKept; i < history.length; i++) {
      if (hist.length() > 0) {
        hist.append(config.separator());
      }
      render(hist, history[i], mode, config.historyToken());
    }
    StringBuilder cans = new StringBuilder();
    for (int c : candidates) {
      if (cans.length() > 0) {
        cans.append(config.separator());
      }
      render(cans, c, mode, config.candidateToken());
    }
    Matcher m = MARKS.matcher(config.template());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          switch (m.group()) {
            case LlaraPromptConfig.HISTORY_MARK -> hist.toString();
            case LlaraPromptConfig.CANDIDATES_MARK -> cans.toString();
            default -> Integer.toString(candidates.length);
          };
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private void render(StringBuilder sb, int item, PromptMode mode, String placeholder) {
    String title = checkedTitle(item);
    sb.append(title);
    if (mode == PromptMode.HYBRID) {
      sb.append(' ').append(placeholder);
    } else if (config.textItemSuffix() != null) {
      sb.append(' ').append(config.textItemSuffix());
    }
  }

  /** The title of {@code item}, checked to contain no placeholder token and no line break. */
  String checkedTitle(int item) {
    String title = catalog.title(item);
    for (String token :
        new String[] {config.historyToken(), config.candidateToken(), config.textItemSuffix()}) {
      if (token != null && title.contains(token)) {
        throw new IllegalArgumentException(
            "title of item " + item + " contains the token " + token + ": '" + title + "'");
      }
    }
    if (title.indexOf('\n') >= 0 || title.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(
          "title of item " + item + " contains a line break (answers end at one): '" + title + "'");
    }
    return title;
  }

  /** The answer text of {@code item}: a space and its title (the prompt ends with "Answer:"). */
  public String answer(int item) {
    return " " + checkedTitle(item);
  }

  /** The answer's tokens (without special tokens), then EOS if the config says so. */
  public long[] answerIds(int item) {
    return answerIds(item, config.appendEos());
  }

  /**
   * The answer's tokens (without special tokens), then EOS if {@code withEos}.
   *
   * @throws IllegalArgumentException if {@code withEos} and the tokenizer has no EOS
   */
  public long[] answerIds(int item, boolean withEos) {
    if (withEos && eosId < 0) {
      throw new IllegalArgumentException(tokenizer.source() + " has no EOS token");
    }
    if (item < 1 || item > catalog.itemCount()) {
      throw new IllegalArgumentException(
          "item " + item + " is not in the catalog of items 1.." + catalog.itemCount());
    }
    long[] t = answerCache.computeIfAbsent(item, i -> tokenizer.encode(answer(i), false));
    if (!withEos) {
      return t.clone();
    }
    long[] out = Arrays.copyOf(t, t.length + 1);
    out[t.length] = eosId;
    return out;
  }

  /**
   * Prompt plus answer, for training: labels on the answer tokens only; the history is truncated so
   * that the whole sequence fits {@link LlaraPromptConfig#maxLength()}.
   *
   * @throws IllegalArgumentException if even the most recent history item alone does not fit
   */
  public EncodedPrompt encode(RecSample sample, PromptMode mode) {
    long[] answer = answerIds(sample.target());
    Fit fit = fit(sample, mode, config.maxLength() - answer.length, "the answer", answer.length);
    long[] ids = Arrays.copyOf(fit.ids, fit.ids.length + answer.length);
    System.arraycopy(answer, 0, ids, fit.ids.length, answer.length);
    long[] labels = ids.clone();
    Arrays.fill(labels, 0, fit.ids.length, Example.IGNORE);
    return placeholders(sample, mode, ids, labels, fit.ids.length, fit.kept);
  }

  /**
   * The prompt alone, for evaluation, leaving {@code reserve} positions of {@link
   * LlaraPromptConfig#maxLength()} free (the tokens to generate, or the longest answer to score).
   *
   * @throws IllegalArgumentException if even the most recent history item alone does not fit
   */
  public EncodedPrompt encodePrompt(RecSample sample, PromptMode mode, int reserve) {
    if (reserve < 0) {
      throw new IllegalArgumentException("reserve must be >= 0, got " + reserve);
    }
    Fit fit = fit(sample, mode, config.maxLength() - reserve, "the reserved room", reserve);
    return placeholders(sample, mode, fit.ids, null, fit.ids.length, fit.kept);
  }

  private record Fit(long[] ids, int kept) {}

  /** The longest history suffix whose prompt has at most {@code budget} tokens. */
  private Fit fit(RecSample sample, PromptMode mode, int budget, String what, int reserved) {
    int n = sample.history().length;
    long[] full = encodeText(sample, mode, n);
    if (full.length <= budget) {
      return new Fit(full, n);
    }
    long[] one = encodeText(sample, mode, 1);
    if (one.length > budget) {
      throw new IllegalArgumentException(
          "user "
              + sample.user()
              + ": the prompt with only the most recent history item and "
              + sample.candidates().length
              + " candidates takes "
              + one.length
              + " tokens, more than the "
              + budget
              + " left by max length "
              + config.maxLength()
              + " after "
              + what
              + " ("
              + reserved
              + " tokens)");
    }
    // Token counts grow with the history kept: binary search the longest that fits.
    int lo = 1; // fits
    long[] loIds = one;
    int hi = n; // does not fit
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      long[] ids = encodeText(sample, mode, mid);
      if (ids.length <= budget) {
        lo = mid;
        loIds = ids;
      } else {
        hi = mid;
      }
    }
    return new Fit(loIds, lo);
  }

  private long[] encodeText(RecSample sample, PromptMode mode, int kept) {
    if (mode == PromptMode.TEXT && config.textItemSuffix() != null) {
      suffixId();
    }
    return tokenizer.encode(text(sample, mode, kept), true);
  }

  private EncodedPrompt placeholders(
      RecSample sample, PromptMode mode, long[] ids, long[] labels, int promptLength, int kept) {
    if (mode == PromptMode.TEXT) {
      return new EncodedPrompt(
          sample, mode, ids, labels, promptLength, kept, new int[0], new int[0]);
    }
    long[] ph = placeholderIds();
    int[] history = sample.history();
    int[] candidates = sample.candidates();
    int[] items = new int[kept + candidates.length];
    System.arraycopy(history, history.length - kept, items, 0, kept);
    System.arraycopy(candidates, 0, items, kept, candidates.length);
    int[] positions = new int[items.length];
    int found = 0;
    for (int i = 0; i < promptLength; i++) {
      if (ids[i] == ph[0] || ids[i] == ph[1]) {
        if (found == items.length) {
          found++;
          break;
        }
        positions[found++] = i;
      }
    }
    if (found != items.length) {
      throw new IllegalStateException(
          "user "
              + sample.user()
              + ": the hybrid prompt has "
              + found
              + " placeholder tokens for "
              + items.length
              + " items; does the template contain a placeholder?");
    }
    return new EncodedPrompt(sample, mode, ids, labels, promptLength, kept, positions, items);
  }

  /**
   * The ids of the history and candidate placeholder tokens.
   *
   * @throws IllegalStateException if one is not a single special token of the tokenizer
   */
  public long[] placeholderIds() {
    long[] ids = placeholderIds;
    if (ids == null) {
      ids =
          new long[] {
            singleToken("historyToken", config.historyToken()),
            singleToken("candidateToken", config.candidateToken())
          };
      placeholderIds = ids;
    }
    return ids.clone();
  }

  private long suffixId() {
    Long id = suffixId;
    if (id == null) {
      id = singleToken("textItemSuffix", config.textItemSuffix());
      suffixId = id;
    }
    return id;
  }

  private long singleToken(String field, String token) {
    OptionalLong id = tokenizer.tokenId(token);
    if (id.isEmpty() || !tokenizer.isSpecial(id.getAsLong())) {
      throw new IllegalStateException(
          field
              + " "
              + token
              + " is not a special token of "
              + tokenizer.source()
              + ": reserve it when writing the tokenizer"
              + " (TokenizerJsonWriter.writeByteLevelBpe(out, vocab, texts, List.of(\""
              + token
              + "\"))) or, for a Hugging Face tokenizer, configure an unused special token it"
              + " already has (e.g. Llama 3's <|reserved_special_token_0|>) as the placeholder");
    }
    long[] alone = tokenizer.encode(" " + token + ",", false);
    long count = Arrays.stream(alone).filter(t -> t == id.getAsLong()).count();
    if (count != 1) {
      throw new IllegalStateException(
          field + " " + token + " does not encode as one token in context: " + count);
    }
    return id.getAsLong();
  }
}
