/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.split;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.Example;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Tokens, labels and the client's embeddings of the tokens never reach the server: every message
 * the server receives is inspected.
 */
class SplitPrivacyTest {
  private static final int STEPS = 4;

  /** What the client holds for one step's batch, recomputed independently (list data order). */
  record Secrets(float[] ids, float[] targets, float[] embeddings, float[] frontOutput) {}

  static List<Secrets> secrets(int k) throws Exception {
    List<Example> data = SplitFixture.data();
    List<Secrets> out = new ArrayList<>();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = SplitFixture.llama(m)) {
      long cursor = 0;
      for (int s = 0; s < STEPS; s++) {
        List<Example> ex = new ArrayList<>();
        for (int j = 0; j < SplitFixture.BATCH; j++) {
          ex.add(data.get((int) (cursor++ % data.size())));
        }
        Batch b = Batch.of(ex, 0);
        NDArray ids = b.ids(m);
        NDArray h0 = model.embed(ids);
        long[] att = b.attentionMask(m).toLongArray();
        boolean[][] valid = new boolean[b.size()][b.length()];
        for (int i = 0; i < att.length; i++) {
          valid[i / b.length()][i % b.length()] = att[i] != 0;
        }
        LayerInputs in = LayerInputs.of(model, valid, m);
        // LoRA B starts at zero, so the first step's front output equals the base model's
        NDArray hk = model.layers(h0, in.positions(), in.mask(), 0, k);
        out.add(
            new Secrets(
                toFloat(ids.toLongArray()),
                toFloat(b.targets(m).toLongArray()),
                h0.toFloatArray(),
                hk.toFloatArray()));
      }
    }
    return out;
  }

  static float[] toFloat(long[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = v[i];
    }
    return f;
  }

  /** Whether {@code got} equals {@code secret} (same length, every value within 1e-4). */
  static boolean reveals(float[] got, float[] secret) {
    if (got.length != secret.length) {
      return false;
    }
    for (int i = 0; i < got.length; i++) {
      if (Math.abs(got[i] - secret[i]) > 1e-4f) {
        return false;
      }
    }
    return true;
  }

  @Test
  void theServerReceivesOnlyHiddenStatesOfLayerKAndGradients() throws Exception {
    int k = 1;
    List<Secrets> secrets = secrets(k);
    TappedGrid[] tap = new TappedGrid[1];
    try (SplitRig rig =
        new SplitRig(
            SplitConfig.of(4, k), SplitConfig.of(4, k), false, g -> tap[0] = new TappedGrid(g))) {
      rig.server.train(STEPS);
      SplitEvaluation eval = rig.server.evaluate();
      List<Reply> received = tap[0].received;
      assertThat(received).hasSize(3 * STEPS + 2 * eval.batches());
      Set<String> names = new TreeSet<>();
      int tensors = 0;
      for (Reply r : received) {
        assertThat(r.isError()).isFalse();
        assertThat(r.metrics().keySet())
            .isSubsetOf(
                Set.of(
                    Reply.LOSS,
                    SplitProtocol.LOSS_SUM,
                    SplitProtocol.TARGETS,
                    SplitProtocol.EVAL_BATCHES));
        for (TensorSpec spec : r.parameters().specs()) {
          names.add(spec.name());
          tensors++;
          float[] v = r.parameters().values(spec.name());
          for (Secrets s : secrets) {
            assertThat(reveals(v, s.ids())).as("%s equals token ids", spec.name()).isFalse();
            assertThat(reveals(v, s.targets())).as("%s equals labels", spec.name()).isFalse();
            assertThat(reveals(v, s.embeddings()))
                .as("%s equals the token embeddings", spec.name())
                .isFalse();
          }
        }
      }
      assertThat(tensors).isEqualTo(3 * STEPS + 2 * eval.batches()); // eval: h_k and mask
      assertThat(names)
          .containsExactlyInAnyOrder(
              SplitProtocol.HIDDEN_FRONT, SplitProtocol.ATTENTION_MASK, SplitProtocol.GRAD_MIDDLE);
      // positive control: the first hidden states are exactly layer k's output of the batch, and
      // the same check flags the embeddings when they are what a message carries
      float[] first = received.get(0).parameters().values(SplitProtocol.HIDDEN_FRONT);
      assertThat(reveals(first, secrets.get(0).frontOutput())).isTrue();
      assertThat(reveals(secrets.get(0).embeddings(), secrets.get(0).embeddings())).isTrue();
      assertThat(received.get(0).parameters().values(SplitProtocol.ATTENTION_MASK))
          .containsOnly(0f, 1f)
          .contains(0f); // the batch is padded
      // and no config entry the client answers to carries data: the server only sends stages
      for (Instruction in : tap[0].sent) {
        assertThat(in.config().keySet())
            .containsAll(
                Set.of(
                    SplitProtocol.STAGE,
                    SplitProtocol.STEP,
                    SplitProtocol.FRONT_LAYERS,
                    SplitProtocol.TAIL_LAYERS))
            .isSubsetOf(
                Set.of(
                    SplitProtocol.STAGE,
                    SplitProtocol.STEP,
                    SplitProtocol.FRONT_LAYERS,
                    SplitProtocol.TAIL_LAYERS,
                    SplitProtocol.EVAL_BATCH));
      }
    }
  }
}
