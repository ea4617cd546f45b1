package io.persona4j.rec.llara;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.llama.KvCache;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched greedy decoding from prompt <em>embeddings</em> (hybrid prompts have no token ids for
 * their item rows, so core's {@code Generator}, which takes ids, cannot run them): the prompts are
 * left-padded and prefilled into a KV cache in one forward pass, then one token per row and step is
 * appended. A row stops at an EOS token, at a line break in its decoded text, or after {@code
 * maxNewTokens}; the batch keeps its shape until every row stopped (stopped rows are fed padding
 * and ignored).
 */
final class GreedyDecoder {
  private final LlaraModel model;

  GreedyDecoder(LlaraModel model) {
    this.model = model;
  }

  /**
   * @return per prompt the generated token ids (the stop token included)
   */
  List<long[]> decode(List<EncodedPrompt> prompts, int maxNewTokens, NDManager parent) {
    LlamaModel decoder = model.decoder();
    Tokenizer tokenizer = model.prompt().tokenizer();
    long[] eos = tokenizer.eosIds();
    long pad = model.prompt().padId();
    PromptBatch batch = PromptBatch.of(prompts, pad, true);
    int b = batch.size;
    int p = batch.length;
    int capacity = p + maxNewTokens;
    int window = decoder.config().attentionWindow();
    boolean[][] valid = new boolean[b][capacity];
    for (int r = 0; r < b; r++) {
      System.arraycopy(batch.valid[r], 0, valid[r], 0, p);
    }
    long[] nextPos = new long[b];
    for (int r = 0; r < b; r++) {
      nextPos[r] = prompts.get(r).length();
    }
    List<List<Long>> out = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      out.add(new ArrayList<>());
    }
    boolean[] done = new boolean[b];
    try (NDManager m = parent.newSubManager();
        KvCache cache = decoder.newCache(m, b, capacity)) {
      model.beforeForward(batch.samples, m);
      long[] next;
      try (NDManager step = m.newSubManager()) {
        NDArray mask = AttentionMask.causal(batch.valid, 0, p, window, step);
        NDArray h = model.hidden(model.embeds(batch, step), batch.positions(step), mask, cache);
        next = argmaxLast(decoder, h, true);
      }
      int len = p;
      for (int t = 0; ; t++) {
        boolean any = false;
        for (int r = 0; r < b; r++) {
          if (done[r]) {
            next[r] = pad;
            continue;
          }
          out.get(r).add(next[r]);
          if (contains(eos, next[r])
              || out.get(r).size() >= maxNewTokens
              || tokenizer.decode(toArray(out.get(r)), true).indexOf('\n') >= 0) {
            done[r] = true;
          } else {
            any = true;
          }
        }
        if (!any) {
          break;
        }
        long[] pos = new long[b];
        for (int r = 0; r < b; r++) {
          valid[r][len] = true;
          pos[r] = nextPos[r]++;
        }
        len++;
        try (NDManager step = m.newSubManager()) {
          boolean[][] keys = new boolean[b][];
          for (int r = 0; r < b; r++) {
            keys[r] = Arrays.copyOf(valid[r], len);
          }
          NDArray mask = AttentionMask.causal(keys, cache.length(), 1, window, step);
          NDArray ids = step.create(next, new Shape(b, 1));
          NDArray h =
              model.hidden(
                  decoder.embed(ids), step.create(pos, new Shape(b, 1)), mask, cache); // [B,1,H]
          next = argmaxLast(decoder, h, false);
        }
      }
    }
    List<long[]> tokens = new ArrayList<>(b);
    for (List<Long> row : out) {
      tokens.add(toArray(row));
    }
    return tokens;
  }

  /** Greedy token of each row's last position. */
  private static long[] argmaxLast(LlamaModel decoder, NDArray h, boolean slice) {
    NDArray last = slice ? h.get(new NDIndex(":, -1, :")) : h.squeeze(1); // [B, H]
    return decoder.lmHead(last).argMax(-1).toLongArray(); // [B]
  }

  private static boolean contains(long[] ids, long id) {
    for (long x : ids) {
      if (x == id) {
        return true;
      }
    }
    return false;
  }

  private static long[] toArray(List<Long> row) {
    return row.stream().mapToLong(Long::longValue).toArray();
  }
}
