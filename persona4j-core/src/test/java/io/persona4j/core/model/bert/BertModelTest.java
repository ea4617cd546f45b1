/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.FloatTensor;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A tiny random BERT against a double-precision reference, and loading from HF directories. */
class BertModelTest {
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = TensorRuntime.newManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  static BertConfig tiny(String act) {
    return new BertConfig(
        "bert", 50, 16, 2, 4, 32, act, 24, 2, 1e-12, 0, null, null, List.of("BertModel"));
  }

  static Map<String, FloatTensor> weights(BertConfig c) {
    return RandomWeights.bert(c, 7, 0.3f);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gelu", "gelu_new", "gelu_pytorch_tanh"})
  void paddedBatchMatchesDoublePrecisionReferencePerSequence(String act) throws IOException {
    BertConfig c = tiny(act);
    Map<String, FloatTensor> w = weights(c);
    NaiveBert ref = new NaiveBert(c, w);
    long[][] ids = {{2, 17, 33, 4, 49}, {2, 8, 9, 10, 11, 12, 13, 14, 3}, {2, 3}};
    long[][] types = {{0, 0, 0, 1, 1}, {0, 0, 0, 0, 1, 1, 1, 1, 1}, {0, 1}};
    int b = ids.length;
    int t = 9;
    long[] flatIds = new long[b * t];
    long[] flatTypes = new long[b * t];
    long[] mask = new long[b * t];
    for (int r = 0; r < b; r++) {
      for (int p = 0; p < ids[r].length; p++) {
        flatIds[r * t + p] = ids[r][p];
        flatTypes[r * t + p] = types[r][p];
        mask[r * t + p] = 1;
      }
    }
    try (NDManager m = manager.newSubManager();
        BertModel model = BertModel.load(c, WeightSource.ofFloats("tiny", w), m)) {
      Shape s = new Shape(b, t);
      NDArray idArr = m.create(flatIds, s);
      NDArray maskArr = m.create(mask, s);
      NDArray hiddenArr = model.forward(idArr, maskArr, m.create(flatTypes, s));
      float[] hidden = hiddenArr.toFloatArray();
      float[] pooled = BertModel.meanPool(hiddenArr, maskArr).toFloatArray();
      double maxDiff = 0;
      for (int r = 0; r < b; r++) {
        double[][] want = ref.forward(ids[r], types[r]);
        for (int k = 0; k < 16; k++) {
          double mean = 0;
          for (int p = 0; p < ids[r].length; p++) {
            maxDiff = Math.max(maxDiff, Math.abs(hidden[(r * t + p) * 16 + k] - want[p][k]));
            mean += want[p][k] / ids[r].length;
          }
          maxDiff = Math.max(maxDiff, Math.abs(pooled[r * 16 + k] - mean));
        }
      }
      assertThat(maxDiff).as(act).isLessThan(2e-5);
    }
  }

  @Test
  void referenceErfIsAccurate() {
    assertThat(NaiveBert.erf(1.0)).isCloseTo(0.8427007929497149, within(1e-12));
    assertThat(NaiveBert.erf(-0.3)).isCloseTo(-0.3286267594591112, within(1e-12));
    assertThat(NaiveBert.erf(3.5)).isCloseTo(0.9999992569016276, within(1e-12));
  }

  @Test
  void meanPoolAveragesOnlyRealTokensAndNormalizeGivesUnitRows() {
    try (NDManager m = manager.newSubManager()) {
      NDArray hidden =
          m.create(new float[] {1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10}, new Shape(2, 3, 2));
      NDArray mask = m.create(new long[] {1, 1, 0, 1, 1, 1}, new Shape(2, 3));
      NDArray pooled = BertModel.meanPool(hidden, mask);
      assertThat(pooled.toFloatArray()).containsExactly(2, 3, 7, 8);
      float[] unit = BertModel.l2Normalize(pooled).toFloatArray();
      assertThat(unit[0]).isCloseTo((float) (2 / Math.sqrt(13)), within(1e-6f));
      assertThat(unit[3]).isCloseTo((float) (8 / Math.sqrt(113)), within(1e-6f));
    }
  }

  @Test
  void loadsHuggingFaceDirectoriesWithOrWithoutBertPrefix(@TempDir Path dir) throws IOException {
    BertConfig c = tiny("gelu");
    Map<String, FloatTensor> w = weights(c);
    Map<String, FloatTensor> prefixed = new LinkedHashMap<>();
    w.forEach((k, v) -> prefixed.put("bert." + k, v));
    prefixed.put(
        "bert.embeddings.position_ids", new FloatTensor(new long[] {1, 24}, new float[24]));
    prefixed.put("cls.predictions.bias", new FloatTensor(new long[] {50}, new float[50]));
    writeHfDir(dir.resolve("plain"), c, w);
    writeHfDir(dir.resolve("prefixed"), c, prefixed);
    try (NDManager m = manager.newSubManager();
        BertModel a = BertModel.load(dir.resolve("plain"), m);
        BertModel b = BertModel.load(dir.resolve("prefixed"), m);
        BertModel fromMemory = BertModel.load(c, WeightSource.ofFloats("tiny", w), m)) {
      List<long[]> seqs = List.of(new long[] {2, 5, 7, 3}, new long[] {2, 9, 3});
      float[][] expected = fromMemory.embedIds(seqs, 2, false);
      assertThat(a.embedIds(seqs, 2, false)).isDeepEqualTo(expected);
      assertThat(b.embedIds(seqs, 2, false)).isDeepEqualTo(expected);
      assertThat(a.config()).isEqualTo(c);
    }
  }

  @Test
  void wrongShapeNamesTheFileTheTensorAndBothShapes(@TempDir Path dir) throws IOException {
    BertConfig c = tiny("gelu");
    Map<String, FloatTensor> w = weights(c);
    w.put(
        "encoder.layer.1.attention.self.query.weight",
        new FloatTensor(new long[] {16, 15}, new float[16 * 15]));
    writeHfDir(dir, c, w);
    assertThatThrownBy(() -> BertModel.load(dir, manager))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve(Checkpoint.SINGLE_FILE).toString())
        .hasMessageContaining(
            "model.safetensors: tensor 'encoder.layer.1.attention.self.query.weight'"
                + " has shape [16, 15], expected [16, 16]");
  }

  @Test
  void missingTensorIsNamedAndEveryProblemIsListed(@TempDir Path dir) throws IOException {
    BertConfig c = tiny("gelu");
    Map<String, FloatTensor> w = weights(c);
    w.remove("encoder.layer.0.output.dense.bias");
    w.put("embeddings.LayerNorm.bias", new FloatTensor(new long[] {17}, new float[17]));
    writeHfDir(dir, c, w);
    assertThatThrownBy(() -> BertModel.load(dir, manager))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(
            "model.safetensors: tensor 'embeddings.LayerNorm.bias' has shape [17], expected [16]")
        .hasMessageContaining(
            "and 1 more: missing tensor 'encoder.layer.0.output.dense.bias' (expected shape [16])");
  }

  @Test
  void nonFiniteWeightsAreLoadedWithAWarningNamingTheTensor() throws IOException {
    BertConfig c = tiny("gelu");
    Map<String, FloatTensor> w = weights(c);
    w.get("encoder.layer.0.intermediate.dense.weight").values()[3] = Float.NaN;
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (NDManager m = manager.newSubManager();
        BertModel model = BertModel.load(c, WeightSource.ofFloats("tiny", w), m)) {
      assertThat(model.config()).isEqualTo(c);
    } finally {
      System.setErr(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("tiny: tensor 'encoder.layer.0.intermediate.dense.weight' contains NaN or Inf");
  }

  @Test
  void forwardRejectsBadInputs() throws IOException {
    BertConfig c = tiny("gelu");
    try (NDManager m = manager.newSubManager();
        BertModel model = BertModel.load(c, WeightSource.ofFloats("tiny", weights(c)), m)) {
      NDArray ids = m.create(new long[] {2, 3, 4}, new Shape(1, 3));
      NDArray badMask = m.create(new long[] {1, 1}, new Shape(1, 2));
      assertThatThrownBy(() -> model.forward(ids, badMask, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("attentionMask");
      NDArray tooLong = m.zeros(new Shape(1, 25), ai.djl.ndarray.types.DataType.INT64);
      assertThatThrownBy(() -> model.forward(tooLong, tooLong, null))
          .hasMessageContaining("max_position_embeddings 24");
      assertThatThrownBy(() -> model.embedIds(List.of(new long[] {2, 50}), 4, true))
          .hasMessageContaining("token id 50 outside [0, 50)");
    }
  }

  static void writeHfDir(Path dir, BertConfig config, Map<String, FloatTensor> tensors)
      throws IOException {
    ModelConfigs.save(config, dir);
    Map<String, HostTensor> host = new LinkedHashMap<>();
    tensors.forEach((k, v) -> host.put(k, HostTensor.f32(v.shape(), v.values())));
    SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), host, Map.of("format", "pt"));
  }
}
