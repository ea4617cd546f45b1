/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import static io.persona4j.core.onnx.OnnxProto.constant;
import static io.persona4j.core.onnx.OnnxProto.floatConstant;
import static io.persona4j.core.onnx.OnnxProto.floatTensor;
import static io.persona4j.core.onnx.OnnxProto.intAttribute;
import static io.persona4j.core.onnx.OnnxProto.longTensor;
import static io.persona4j.core.onnx.OnnxProto.model;
import static io.persona4j.core.onnx.OnnxProto.node;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.bert.BertModel;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The importer on a synthetic one-layer export shaped like PyTorch's: anonymous [in, out] MatMul
 * weights named through their bias Add, a Gemm with transB = 0, heads from a Concat'ed Reshape
 * shape, the activation and LayerNorm epsilon from the ops.
 */
class BertOnnxImporterTest {
  static final int H = 8;
  static final int I = 16;

  /** Values 0.01 * (1 + index) so that a transposition shows. */
  static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = 0.01f * (1 + i % 97);
    }
    return v;
  }

  static OnnxModel export(boolean withHeadReshape, String activationOp) throws IOException {
    OnnxProto g = new OnnxProto();
    // Embeddings LayerNorm, decomposed as PyTorch exports it.
    g.message(1, floatConstant("eps", 9.999999960041972e-13f));
    g.message(1, node("Add", List.of("var", "eps"), List.of("ve")));
    g.message(1, node("Sqrt", List.of("ve"), List.of("sq")));
    g.message(1, node("Div", List.of("centered", "sq"), List.of("dv")));
    g.message(1, node("Mul", List.of("dv", "embeddings.LayerNorm.weight"), List.of("lnm")));
    g.message(1, node("Add", List.of("lnm", "embeddings.LayerNorm.bias"), List.of("h0")));
    String p = "encoder.layer.0.";
    int k = 0;
    for (String proj :
        List.of("attention.self.query", "attention.self.key", "attention.self.value")) {
      linear(g, "h0", "onnx::MatMul_" + (++k), p + proj);
    }
    linear(g, "ctx", "onnx::MatMul_" + (++k), p + "attention.output.dense");
    linear(g, "h1", "onnx::MatMul_" + (++k), p + "intermediate.dense");
    g.message(1, node(activationOp, List.of("a_" + p + "intermediate.dense"), List.of("act")));
    linear(g, "act", "onnx::MatMul_" + (++k), p + "output.dense");
    if (withHeadReshape) {
      g.message(1, node("Unsqueeze", List.of("batch"), List.of("b1")));
      g.message(1, node("Unsqueeze", List.of("len"), List.of("t1")));
      g.message(1, constant("heads", 2));
      g.message(1, constant("hd", 4));
      g.message(
          1,
          node(
              "Concat",
              List.of("b1", "t1", "heads", "hd"),
              List.of("shape"),
              intAttribute("axis", 0)));
      g.message(
          1, node("Reshape", List.of("a_" + p + "attention.self.query", "shape"), List.of("q4")));
    }
    g.message(
        1,
        node(
            "Gemm",
            List.of("cls", "onnx::Gemm_99", "pooler.dense.bias"),
            List.of("pooled"),
            intAttribute("transB", 0)));
    // Initializers: named ones, then the anonymous [in, out] weights.
    named(g, "embeddings.word_embeddings.weight", 10, H);
    named(g, "embeddings.position_embeddings.weight", 6, H);
    named(g, "embeddings.token_type_embeddings.weight", 2, H);
    named(g, "embeddings.LayerNorm.weight", H);
    named(g, "embeddings.LayerNorm.bias", H);
    g.message(5, longTensor("embeddings.position_ids", new long[] {1, 6}, 0, 1, 2, 3, 4, 5));
    for (String proj :
        List.of(
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
            "output.dense")) {
      named(g, p + proj + ".bias", H);
    }
    named(g, p + "intermediate.dense.bias", I);
    for (String ln : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
      named(g, p + ln + ".weight", H);
      named(g, p + ln + ".bias", H);
    }
    named(g, "pooler.dense.bias", H);
    for (int i = 1; i <= 6; i++) {
      long in = i == 6 ? I : H;
      long out = i == 5 ? I : H;
      named(g, "onnx::MatMul_" + i, in, out);
    }
    named(g, "onnx::Gemm_99", H, H);
    return OnnxModel.parse(model(g.done()), "/tmp/synthetic.onnx");
  }

  private static void linear(OnnxProto g, String input, String weight, String module) {
    g.message(1, node("MatMul", List.of(input, weight), List.of("mm_" + module)));
    g.message(1, node("Add", List.of(module + ".bias", "mm_" + module), List.of("a_" + module)));
  }

  private static void named(OnnxProto g, String name, long... dims) {
    int n = 1;
    for (long d : dims) {
      n *= (int) d;
    }
    g.message(5, floatTensor(name, dims, ramp(n)));
  }

  @Test
  void namesAnonymousWeightsThroughTheirBiasAndReadsTheConfigFromTheGraph() throws IOException {
    BertOnnxImporter imp = BertOnnxImporter.of(export(true, "Erf"), 5);
    BertConfig c = imp.config();
    assertThat(imp.describe()).isEqualTo("synthetic.onnx");
    assertThat(c.numHiddenLayers()).isEqualTo(1);
    assertThat(c.hiddenSize()).isEqualTo(H);
    assertThat(c.intermediateSize()).isEqualTo(I);
    assertThat(c.numAttentionHeads()).isEqualTo(2); // from the Reshape, not the fallback 5
    assertThat(c.hiddenAct()).isEqualTo("gelu");
    assertThat(c.layerNormEps()).isEqualTo(1e-12);
    assertThat(c.vocabSize()).isEqualTo(10);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(6);
    assertThat(imp.renamed())
        .containsEntry("onnx::MatMul_1", "encoder.layer.0.attention.self.query.weight")
        .containsEntry("onnx::MatMul_5", "encoder.layer.0.intermediate.dense.weight")
        .containsEntry("onnx::MatMul_6", "encoder.layer.0.output.dense.weight")
        .containsEntry("onnx::Gemm_99", "pooler.dense.weight")
        .hasSize(7);
    assertThat(imp.names())
        .noneMatch(n -> n.startsWith("onnx::"))
        .doesNotContain("embeddings.position_ids");
    // [in, out] = [8, 16] stored; served as [out, in] = [16, 8], transposed.
    String inter = "encoder.layer.0.intermediate.dense.weight";
    assertThat(imp.shape(inter).getShape()).containsExactly(I, H);
    float[] stored = imp.model().initializers().get("onnx::MatMul_5").floats();
    float[] served = imp.floats(inter);
    for (int o = 0; o < I; o++) {
      for (int i = 0; i < H; i++) {
        assertThat(served[o * H + i]).isEqualTo(stored[i * I + o]);
      }
    }
    // Every tensor BertModel needs is there with the right shape.
    try (NDManager m = TensorRuntime.newManager();
        BertModel model = BertModel.load(c, imp, m)) {
      assertThat(model.embedIds(List.of(new long[] {1, 2, 3}), 1, true)[0]).hasSize(H);
    }
  }

  @Test
  void fallsBackToTheGivenHeadsAndReadsTanhAsGeluNew() throws IOException {
    BertOnnxImporter imp = BertOnnxImporter.of(export(false, "Tanh"), 4);
    assertThat(imp.config().numAttentionHeads()).isEqualTo(4);
    assertThat(imp.config().hiddenAct()).isEqualTo("gelu_new");
    assertThat(Map.copyOf(imp.renamed())).hasSize(7);
  }
}
