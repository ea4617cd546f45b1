/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.steer.DecodeStream;
import io.persona4j.steer.SteerFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batching engine (the serving module's continuous batching with external sequences) computes,
 * for every session, the logits that session computes alone (a batch-1 stream), whatever the other
 * rows' prompt lengths, whichever sessions end early, join a running batch later, or wait for a
 * slot.
 */
class BatchCloudEngineTest {
  @TempDir Path tmp;

  private static void assertClose(float[] a, float[] b, String what) {
    assertThat(a).as(what).hasSameSizeAs(b);
    for (int i = 0; i < a.length; i++) {
      assertThat(Math.abs(a[i] - b[i])).as("%s, logit %d", what, i).isLessThan(2e-4f);
    }
  }

  @Test
  void batchedSessionsComputeWhatEachComputesAlone() throws Exception {
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 3);
    long[][] prompts = {{1, 40, 41, 42, 43, 44, 45}, {1, 7}, {1, 90, 91, 92}};
    long[][] tokens = {{5, 6, 7, 8, 9}, {11, 12}, {20, 21, 22, 23, 24}};
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(c, m);
        BatchCloudEngine engine = new BatchCloudEngine(model, 8, 8, 32)) {
      // three sessions start together; each round every live session sends a token; the second
      // session ends after its two tokens while the others go on
      List<CompletableFuture<CloudEngine.Started>> starts = new ArrayList<>();
      for (long[] p : prompts) {
        starts.add(engine.start(p, p.length + 8));
      }
      List<CloudEngine.Sequence> seqs = new ArrayList<>();
      List<List<float[]>> got = new ArrayList<>();
      for (var f : starts) {
        CloudEngine.Started s = f.get(60, TimeUnit.SECONDS);
        seqs.add(s.sequence());
        got.add(new ArrayList<>(List.of(s.logits())));
      }
      assertThat(engine.active()).isEqualTo(3);
      CloudEngine.Started late = null;
      List<float[]> lateGot = new ArrayList<>();
      for (int t = 0; t < 5; t++) {
        if (t == 2) {
          // a session joins the running batch between steps
          late = engine.start(prompts[1], prompts[1].length + 4).get(60, TimeUnit.SECONDS);
          lateGot.add(late.logits());
        }
        List<CompletableFuture<float[]>> round = new ArrayList<>();
        for (int k = 0; k < prompts.length; k++) {
          if (t < tokens[k].length) {
            round.add(engine.append(seqs.get(k), tokens[k][t]));
          } else {
            if (t == tokens[k].length) {
              engine.release(seqs.get(k));
            }
            round.add(null);
          }
        }
        CompletableFuture<float[]> lateStep = t == 2 ? engine.append(late.sequence(), 33) : null;
        for (int k = 0; k < prompts.length; k++) {
          if (round.get(k) != null) {
            got.get(k).add(round.get(k).get(60, TimeUnit.SECONDS));
          }
        }
        if (lateStep != null) {
          lateGot.add(lateStep.get(60, TimeUnit.SECONDS));
        }
      }
      assertThat(engine.active()).isEqualTo(3);
      for (int k = 0; k < prompts.length; k++) {
        try (DecodeStream alone = new DecodeStream(model, m, prompts[k].length + 8)) {
          assertClose(got.get(k).get(0), alone.prefill(prompts[k]), "session " + k + " prompt");
          for (int t = 0; t < tokens[k].length; t++) {
            assertClose(
                got.get(k).get(t + 1), alone.append(tokens[k][t]), "session " + k + " step " + t);
          }
        }
      }
      try (DecodeStream alone = new DecodeStream(model, m, prompts[1].length + 4)) {
        assertClose(lateGot.get(0), alone.prefill(prompts[1]), "late prompt");
        assertClose(lateGot.get(1), alone.append(33), "late step");
      }
      assertThatThrownBy(() -> engine.append(seqs.get(1), 3).get())
          .hasMessageContaining("released");
      CloudEngine.Sequence lateSeq = late.sequence();
      assertThatThrownBy(() -> engine.append(lateSeq, 10_000).get())
          .hasMessageContaining("outside the vocabulary");
      for (CloudEngine.Sequence s : seqs) {
        engine.release(s);
      }
      engine.release(late.sequence());
      assertThat(engine.active()).isZero();
    }
  }

  @Test
  void aSessionBeyondTheBatchWaitsForASlotAndRunsExactly() throws Exception {
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 5);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(c, m);
        BatchCloudEngine engine = new BatchCloudEngine(model, 1, 4, 16)) {
      CloudEngine.Started first = engine.start(new long[] {1, 3, 4}, 8).get(60, TimeUnit.SECONDS);
      CompletableFuture<CloudEngine.Started> second = engine.start(new long[] {1, 9}, 6);
      Thread.sleep(300);
      assertThat(second).as("one slot, held by the first session").isNotDone();
      engine.release(first.sequence());
      CloudEngine.Started s = second.get(60, TimeUnit.SECONDS);
      try (DecodeStream alone = new DecodeStream(model, m, 6)) {
        assertClose(s.logits(), alone.prefill(new long[] {1, 9}), "waiting session's prompt");
        assertClose(
            engine.append(s.sequence(), 17).get(60, TimeUnit.SECONDS),
            alone.append(17),
            "waiting session's step");
      }
      assertThatThrownBy(() -> engine.start(new long[] {1, 2}, 40).get())
          .hasMessageContaining("exceeds");
      engine.release(s.sequence());
      assertThat(engine.active()).isZero();
    }
  }
}
