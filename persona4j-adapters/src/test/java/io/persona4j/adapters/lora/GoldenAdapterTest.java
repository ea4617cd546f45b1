/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Persona4j against adapters and outputs written by an independent numpy implementation ({@code
 * src/test/resources/golden/make_golden.py}): PEFT layout on disk, float64 Llama forward + LoRA.
 */
class GoldenAdapterTest {
  static final double TOLERANCE = 1e-4; // max |diff| relative to max |expected|

  static Path golden;
  static JsonNode expected;
  static long[] ids;

  @BeforeAll
  static void readExpected() throws Exception {
    golden = resource("/golden");
    expected = new ObjectMapper().readTree(golden.resolve("expected_logits.json").toFile());
    ids =
        StreamSupport.stream(expected.get("ids").spliterator(), false)
            .mapToLong(JsonNode::asLong)
            .toArray();
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(GoldenAdapterTest.class.getResource(name).toURI());
  }

  static double[] doubles(String key) {
    return StreamSupport.stream(expected.get(key).spliterator(), false)
        .mapToDouble(JsonNode::asDouble)
        .toArray();
  }

  /** Last-position logits of {@link #ids}. */
  static float[] lastPosition(LlamaModel model, NDManager m) {
    try (NDManager tmp = m.newSubManager()) {
      NDArray logits = model.logits(tmp.create(ids, new Shape(1, ids.length)), null);
      return logits.get(new NDIndex("0, -1, :")).toFloatArray();
    }
  }

  static double relativeError(float[] got, double[] want) {
    assertThat(got).hasSameSizeAs(want);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < want.length; i++) {
      diff = Math.max(diff, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    return diff / scale;
  }

  static double maxAbsDiff(double[] a, double[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  @Test
  void baseModelMatchesTheNumpyForward() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(golden.resolve("base"), m)) {
      double err = relativeError(lastPosition(model, m), doubles("base"));
      System.out.printf("golden base: max |diff| / max |logit| = %.3g%n", err);
      assertThat(err).isLessThan(TOLERANCE);
    }
  }

  @Test
  void causalLmAdapterMatchesTheNumpyForward() throws Exception {
    double[] want = doubles("causal_lm");
    assertThat(maxAbsDiff(want, doubles("base")))
        .as("the golden adapter must change the logits noticeably")
        .isGreaterThan(0.5);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(golden.resolve("base"), m);
        LoraModel lora = LoraModel.of(model, m)) {
      LoadedAdapter a = lora.load(golden.resolve("causal_lm"), "golden");
      assertThat(a.targets())
          .containsExactly(
              "model.layers.0.self_attn.q_proj",
              "model.layers.0.self_attn.v_proj",
              "model.layers.0.mlp.down_proj",
              "model.layers.1.self_attn.q_proj",
              "model.layers.1.self_attn.v_proj",
              "model.layers.1.mlp.down_proj");
      assertThat(a.provenance()).as("written by numpy, not Persona4j").isNull();
      assertThat(lora.units("golden").values()).allSatisfy(u -> assertThat(u.scale()).isEqualTo(2));
      double err = relativeError(lastPosition(model, m), want);
      System.out.printf("golden causal_lm: max |diff| / max |logit| = %.3g%n", err);
      assertThat(err).isLessThan(TOLERANCE);

      lora.merge();
      double merged = relativeError(lastPosition(model, m), want);
      System.out.printf("golden causal_lm merged: max |diff| / max |logit| = %.3g%n", merged);
      assertThat(merged).isLessThan(TOLERANCE);
    }
  }

  @Test
  void seqClsAdapterWithRegexTargetsRsloraRankPatternAndScoreHead() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = LlamaModel.load(golden.resolve("base"), m);
        LoraModel lora = LoraModel.of(model, m)) {
      LoadedAdapter a = lora.load(golden.resolve("seq_cls"), "cls");
      assertThat(a.config().useRslora()).isTrue();
      assertThat(a.config().targetModules().regex()).isNotNull();
      assertThat(a.targets())
          .containsExactly(
              "model.layers.0.self_attn.k_proj",
              "model.layers.0.self_attn.o_proj",
              "model.layers.1.mlp.up_proj");
      assertThat(lora.units("cls").get("model.layers.0.self_attn.o_proj").rank()).isEqualTo(3);
      assertThat(lora.units("cls").get("model.layers.0.self_attn.o_proj").scale())
          .isEqualTo(4 / Math.sqrt(3));
      assertThat(lora.units("cls").get("model.layers.0.self_attn.k_proj").scale())
          .isEqualTo(4 / Math.sqrt(2));
      assertThat(a.modulesToSave()).containsOnlyKeys("score.weight");
      NDArray score = a.modulesToSave().get("score.weight");
      assertThat(score.getShape()).isEqualTo(new Shape(3, 16));

      double err = relativeError(lastPosition(model, m), doubles("seq_cls"));
      System.out.printf("golden seq_cls: max |diff| / max |logit| = %.3g%n", err);
      assertThat(err).isLessThan(TOLERANCE);

      NDArray x = m.create(ids, new Shape(1, ids.length));
      NDArray positions =
          m.create(
              LlamaModel.positionsFrom(new boolean[][] {allTrue(ids.length)}),
              new Shape(1, ids.length)); // int64
      NDArray mask =
          io.persona4j.core.model.AttentionMask.causal(
              new boolean[][] {allTrue(ids.length)}, 0, ids.length, 0, m);
      NDArray hidden = model.hidden(model.embed(x), positions, mask, null);
      NDArray last = hidden.get(new NDIndex("0, -1, :"));
      float[] scores = last.matMul(score.transpose()).toFloatArray();
      double scoreErr = relativeError(scores, doubles("seq_cls_score"));
      System.out.printf("golden seq_cls score head: max |diff| / max |logit| = %.3g%n", scoreErr);
      assertThat(scoreErr).isLessThan(TOLERANCE);
    }
  }

  @Test
  void goldenFilesUsePeftKeyNamesWithoutAdapterName() throws Exception {
    try (var st =
        io.persona4j.core.io.SafetensorsFile.open(
            golden.resolve("seq_cls").resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      assertThat(List.copyOf(st.names()))
          .contains(
              "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight",
              "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight",
              "base_model.model.score.weight")
          .noneMatch(n -> n.contains("default"));
    }
  }

  private static boolean[] allTrue(int n) {
    boolean[] b = new boolean[n];
    java.util.Arrays.fill(b, true);
    return b;
  }
}
