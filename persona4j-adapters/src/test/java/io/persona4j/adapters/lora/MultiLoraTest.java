/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.generate.Generator;
import io.persona4j.core.generate.SamplingConfig;
import io.persona4j.core.generate.TokenListener;
import io.persona4j.core.generate.batch.BatchEngine;
import io.persona4j.core.generate.batch.FinishReason;
import io.persona4j.core.generate.batch.SequenceListener;
import io.persona4j.core.generate.batch.SequenceRequest;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed-adapter batches: every row of a {@link MultiLora} forward pass equals that row run alone
 * with its adapter through {@link LoraModel} (the training/inference path with {@link LoraLinear}).
 * Tolerance: 2e-5 absolute on logits of magnitude ~1-5 (float32 rounding of batched vs plain
 * matmuls); zero-B adapters and base rows are bit-for-bit the base output of the same pass.
 */
class MultiLoraTest {
  @TempDir Path dir;

  static final LoraConfig QV =
      LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build();
  static final LoraConfig ALL =
      LoraConfig.builder()
          .optR(8)
          .optAlpha(16)
          .optTargets("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
          .build();
  static final LoraConfig MLP =
      LoraConfig.builder().optR(2).optAlpha(3).optTargets("down_proj").build();

  /** Writes a random adapter (far from identity; zero B if {@code zeroB}) and returns its dir. */
  static Path writeAdapter(LlamaConfig cfg, LoraConfig lc, long seed, boolean zeroB, Path out)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(cfg, 7, m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("a", lc, seed);
      if (!zeroB) {
        TinyModels.randomize(lora, "a", seed);
      }
      lora.save("a", out);
    }
    return out;
  }

  /** Last-position logits of each prompt alone, with {@code adapter} (null: base) via LoraModel. */
  static float[] alone(LlamaModel model, Path adapter, long[] ids, NDManager m) throws IOException {
    try (LoraModel lora = LoraModel.of(model, m)) {
      if (adapter != null) {
        lora.load(adapter, "x");
        lora.activate("x");
      }
      try (NDManager tmp = m.newSubManager()) {
        return model.logits(tmp.create(ids, new Shape(1, ids.length)), null).toFloatArray();
      }
    }
  }

  @Test
  void eachRowOfAMixedBatchEqualsThatRowAloneWithItsAdapter() throws Exception {
    LlamaConfig cfg = TinyModels.config();
    Path a = writeAdapter(cfg, QV, 11, false, dir.resolve("a"));
    Path b = writeAdapter(cfg, ALL, 12, false, dir.resolve("b"));
    Path z = writeAdapter(cfg, ALL, 13, true, dir.resolve("zero"));
    Path c = writeAdapter(cfg, MLP, 14, false, dir.resolve("c"));
    long[] ids = TinyModels.IDS;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(cfg, 7, m)) {
      Path[] rows = {a, null, b, z, a, c};
      float[][] want = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        want[i] = alone(model, rows[i], ids, m);
      }
      try (MultiLora ml = MultiLora.install(model, 8, m);
          ServingAdapter sa = ServingAdapter.load(model, a, "a", m);
          ServingAdapter sb = ServingAdapter.load(model, b, "b", m);
          ServingAdapter sz = ServingAdapter.load(model, z, "zero", m);
          ServingAdapter sc = ServingAdapter.load(model, c, "c", m)) {
        ServingAdapter[] loaded = {sa, null, sb, sz, sa, sc};
        // Rows 1..6 of the 8 (row 0 stays empty and outside the pass).
        for (int i = 0; i < loaded.length; i++) {
          ml.assign(i + 1, loaded[i]);
        }
        float[][] got = batchLogits(model, ml, 1, loaded.length, ids, m);
        int v = cfg.vocabSize();
        for (int i = 0; i < rows.length; i++) {
          assertThat(TinyModels.maxAbsDiff(got[i], want[i]))
              .as("row %d (%s)", i, rows[i])
              .isLessThan(2e-5);
        }
        // The adapters change the output, so the comparison above is not vacuous.
        assertThat(TinyModels.maxAbsDiff(want[0], want[1])).isGreaterThan(0.05);
        assertThat(TinyModels.maxAbsDiff(want[2], want[1])).isGreaterThan(0.05);
        assertThat(TinyModels.maxAbsDiff(want[5], want[1])).isGreaterThan(0.01);
        // Zero-B adapter row == base row of the same pass, bit for bit.
        assertThat(got[3]).containsExactly(got[1]);
        assertThat(got[3]).hasSize(ids.length * v);
        assertThat(ml.adapters(1, loaded.length)).containsExactly(sa, sb, sz, sc);
      }
      // close() put the original layers back.
      assertThat(alone(model, null, ids, m)).containsExactly(want[1]);
    }
  }

  @Test
  void movedClearedAndReassignedRowsKeepTheirAdapters() throws Exception {
    LlamaConfig cfg = TinyModels.config();
    Path a = writeAdapter(cfg, QV, 21, false, dir.resolve("a"));
    Path b = writeAdapter(cfg, ALL, 22, false, dir.resolve("b"));
    long[] ids = TinyModels.IDS;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(cfg, 7, m)) {
      float[] wa = alone(model, a, ids, m);
      float[] wb = alone(model, b, ids, m);
      float[] base = alone(model, null, ids, m);
      try (MultiLora ml = MultiLora.install(model, 4, m);
          ServingAdapter sa = ServingAdapter.load(model, a, "a", m);
          ServingAdapter sb = ServingAdapter.load(model, b, "b", m)) {
        ml.assign(0, sb); // rank 8 first
        ml.assign(1, sa); // rank 4, padded
        ml.assign(2, sb);
        ml.move(2, 0); // row 0 takes row 2's (same adapter), 2 becomes empty
        ml.assign(2, sa); // rank 4 where rank 8 factors were: the stale columns must not leak
        ml.clear(1);
        float[][] got = batchLogits(model, ml, 0, 3, ids, m);
        assertThat(TinyModels.maxAbsDiff(got[0], wb)).isLessThan(2e-5);
        assertThat(TinyModels.maxAbsDiff(got[1], base)).isLessThan(2e-5);
        assertThat(TinyModels.maxAbsDiff(got[2], wa)).isLessThan(2e-5);
        ml.move(2, 1);
        ml.assign(2, null);
        got = batchLogits(model, ml, 0, 3, ids, m);
        assertThat(TinyModels.maxAbsDiff(got[1], wa)).isLessThan(2e-5);
        assertThat(TinyModels.maxAbsDiff(got[2], base)).isLessThan(2e-5);
      }
    }
  }

  @Test
  void adaptersOfAnotherModelAreRefusedNamingTheFileOrModule() throws Exception {
    LlamaConfig other = ModelInit.decoderConfig("llama", 2, 48, 4, 2, 61, 0, 64);
    Path a = writeAdapter(other, QV, 31, false, dir.resolve("other"));
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MultiLora ml = MultiLora.install(model, 2, m)) {
      assertThatThrownBy(() -> ServingAdapter.load(model, a, "other", m))
          .hasMessageContaining("adapter_model.safetensors")
          .hasMessageContaining("different base model");
      assertThatThrownBy(() -> ml.assign(0, "not an adapter"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected a ServingAdapter");
      assertThatThrownBy(() -> MultiLora.install(model, 2, m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("already has adapters");
    }
  }

  /**
   * The engine-level guarantee the server relies on: 16 concurrent greedy sequences over 8
   * different adapters and the base model give exactly the tokens each gives alone (Generator with
   * the adapter loaded through LoraModel, as {@code persona4j generate --adapter} runs it).
   */
  @Test
  void sixteenSequencesOverEightAdaptersGiveTheTokensEachGivesAlone() throws Exception {
    LlamaConfig cfg = TinyModels.config();
    List<Path> adapters = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      adapters.add(writeAdapter(cfg, i % 2 == 0 ? ALL : QV, 100 + i, false, dir.resolve("u" + i)));
    }
    SamplingConfig greedy = SamplingConfig.greedy(12, Set.of());
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(cfg, 7, m)) {
      List<long[]> prompts = new ArrayList<>();
      List<Path> which = new ArrayList<>();
      List<long[]> want = new ArrayList<>();
      for (int i = 0; i < 18; i++) {
        long[] p = Arrays.copyOf(TinyModels.IDS, 2 + i % 5);
        p[p.length - 1] = 3 + i;
        Path ad = i < 16 ? adapters.get(i % 8) : null; // two base-model sequences too
        prompts.add(p);
        which.add(ad);
        try (LoraModel lora = LoraModel.of(model, m)) {
          if (ad != null) {
            lora.load(ad, "x");
            lora.activate("x");
          }
          want.add(
              new Generator(model)
                  .generate(List.of(p), greedy, TokenListener.NONE)
                  .tokens()
                  .get(0));
        }
      }
      try (MultiLora ml = MultiLora.install(model, 16, m);
          BatchEngine engine =
              BatchEngine.builder().setModel(model).optMaxBatch(16).optRowAdapters(ml).build()) {
        List<ServingAdapter> loaded = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          loaded.add(ServingAdapter.load(model, adapters.get(i), "u" + i, m));
        }
        List<CompletableFuture<long[]>> got = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          ServingAdapter sa = which.get(i) == null ? null : loaded.get(i % 8);
          CompletableFuture<long[]> f = new CompletableFuture<>();
          List<Long> tokens = new CopyOnWriteArrayList<>();
          engine.submit(
              new SequenceRequest(prompts.get(i), greedy, sa),
              new SequenceListener() {
                @Override
                public void onToken(long token) {
                  tokens.add(token);
                }

                @Override
                public void onFinish(FinishReason reason, Throwable error) {
                  f.complete(tokens.stream().mapToLong(Long::longValue).toArray());
                }
              });
          got.add(f);
        }
        for (int i = 0; i < prompts.size(); i++) {
          assertThat(got.get(i).get(60, TimeUnit.SECONDS))
              .as("sequence %d (adapter %s)", i, which.get(i))
              .containsExactly(want.get(i));
        }
        // Different adapters give different answers to the same prompt (the test is not vacuous).
        assertThat(want.get(0)).isNotEqualTo(want.get(16));
        loaded.forEach(ServingAdapter::close);
      }
    }
  }

  /** Logits of {@code ids} repeated in rows [first, first + n) of one MultiLora pass. */
  static float[][] batchLogits(
      LlamaModel model, MultiLora ml, int first, int n, long[] ids, NDManager m) {
    long[] batch = new long[n * ids.length];
    for (int i = 0; i < n; i++) {
      System.arraycopy(ids, 0, batch, i * ids.length, ids.length);
    }
    ml.beginForward(first, n);
    try (NDManager tmp = m.newSubManager()) {
      float[] flat = model.logits(tmp.create(batch, new Shape(n, ids.length)), null).toFloatArray();
      int per = flat.length / n;
      float[][] out = new float[n][];
      for (int i = 0; i < n; i++) {
        out[i] = Arrays.copyOfRange(flat, i * per, (i + 1) * per);
      }
      return out;
    } finally {
      ml.endForward();
    }
  }
}
