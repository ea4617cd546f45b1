/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.llara;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prefix trie over the token ids of a sample's candidate answers, as generative recommenders
 * (LC-Rec, TIGER) constrain decoding to valid item identifiers: from any node only the tokens that
 * continue some candidate are allowed, so a decoder that follows the trie can only produce one of
 * the candidates.
 *
 * <p>Every sequence ends with the end token (EOS) and holds it nowhere else; a candidate whose
 * tokens are a prefix of another's (e.g. " Heat" and " Heat 2") therefore still ends at its own
 * leaf, reached through the EOS edge. Candidates with the same token sequence (duplicate titles)
 * share a leaf; {@link #candidates(int)} lists them in candidate order.
 */
public final class CandidateTrie {
  /** The root node (nothing decoded yet). */
  public static final int ROOT = 0;

  private final long eos;
  private final List<Map<Long, Integer>> children = new ArrayList<>();
  private final List<List<Integer>> leaves = new ArrayList<>();
  private final int longest;

  /**
   * @param sequences per candidate its answer tokens, each ending with {@code eos} (and holding it
   *     only there)
   * @param eos the end token
   * @throws IllegalArgumentException for no candidates, an empty sequence, or one whose EOS is
   *     missing or not last
   */
  public CandidateTrie(List<long[]> sequences, long eos) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("no candidates");
    }
    this.eos = eos;
    newNode();
    int max = 0;
    for (int c = 0; c < sequences.size(); c++) {
      long[] s = sequences.get(c);
      if (s.length < 2 || s[s.length - 1] != eos) {
        throw new IllegalArgumentException(
            "candidate "
                + c
                + ": "
                + Arrays.toString(s)
                + " must be at least one token followed by EOS "
                + eos);
      }
      int node = ROOT;
      for (int i = 0; i < s.length; i++) {
        if (s[i] == eos && i != s.length - 1) {
          throw new IllegalArgumentException(
              "candidate " + c + ": EOS " + eos + " at position " + i + " before the end");
        }
        Integer next = children.get(node).get(s[i]);
        if (next == null) {
          next = newNode();
          children.get(node).put(s[i], next);
        }
        node = next;
      }
      leaves.get(node).add(c);
      max = Math.max(max, s.length);
    }
    longest = max;
  }

  private int newNode() {
    children.add(new LinkedHashMap<>());
    leaves.add(new ArrayList<>());
    return children.size() - 1;
  }

  /** The end token. */
  public long eos() {
    return eos;
  }

  /** Number of nodes (the root included). */
  public int nodes() {
    return children.size();
  }

  /** Tokens of the longest candidate (EOS included): the most a constrained decoder generates. */
  public int longest() {
    return longest;
  }

  /** The tokens allowed after {@code node}, in insertion order (none at a leaf). */
  public long[] allowed(int node) {
    return children.get(node).keySet().stream().mapToLong(Long::longValue).toArray();
  }

  /** The node after {@code token} from {@code node}, or -1 if the token is not allowed there. */
  public int next(int node, long token) {
    Integer n = children.get(node).get(token);
    return n == null ? -1 : n;
  }

  /** The node reached by {@code tokens} from the root, or -1 if they leave the trie. */
  public int walk(long[] tokens) {
    int node = ROOT;
    for (long t : tokens) {
      node = next(node, t);
      if (node < 0) {
        return -1;
      }
    }
    return node;
  }

  /** The candidates ending at {@code node} (empty unless it is a leaf), in candidate order. */
  public List<Integer> candidates(int node) {
    return List.copyOf(leaves.get(node));
  }

  /**
   * Sets every logit of a token not allowed after {@code node} to negative infinity, in place.
   *
   * @throws IllegalArgumentException if {@code node} is a leaf (nothing may follow EOS)
   */
  public void mask(int node, float[] logits) {
    Map<Long, Integer> next = children.get(node);
    if (next.isEmpty()) {
      throw new IllegalArgumentException("node " + node + " is a leaf: nothing may follow EOS");
    }
    float[] keep = new float[next.size()];
    long[] ids = new long[next.size()];
    int k = 0;
    for (long t : next.keySet()) {
      ids[k] = t;
      keep[k++] = logits[(int) t];
    }
    Arrays.fill(logits, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < ids.length; i++) {
      logits[(int) ids[i]] = keep[i];
    }
  }
}
