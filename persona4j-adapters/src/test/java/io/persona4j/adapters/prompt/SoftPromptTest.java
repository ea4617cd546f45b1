/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Soft prompts P = P_G + P_L on a frozen tiny BERT: identity, training, files. */
class SoftPromptTest {
  static final BertConfig CONFIG =
      new BertConfig("bert", 60, 16, 2, 4, 32, "gelu", 40, 2, 1e-12, 0, "absolute", null, null);

  static BertModel bert(NDManager m) throws IOException {
    return BertModel.load(
        CONFIG, WeightSource.ofFloats("random", RandomWeights.bert(CONFIG, 4, 0.2f)), m);
  }

  static List<Example> data() {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int label = i % 2;
      long w = label == 0 ? 10 + i : 30 + i;
      out.add(Example.classification(new long[] {2, w, w + 1, 3}, label));
    }
    return out;
  }

  @Test
  void zeroLengthPromptIsThePlainEncoder() throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        BertModel model = bert(m);
        SoftPrompt prompt = SoftPrompt.create(SoftPromptConfig.random(0, 16), 1, m)) {
      Batch batch = Batch.of(data().subList(0, 3), 0);
      NDArray ids = batch.ids(m);
      NDArray mask = batch.attentionMask(m);
      SoftPrompt.Prepended p = prompt.prepend(model.wordEmbeddings(ids), mask);
      float[] viaPrompt =
          model.forwardEmbeddings(p.embeddings(), p.attentionMask(), null).toFloatArray();
      assertThat(viaPrompt).containsExactly(model.forward(ids, mask, null).toFloatArray());
    }
  }

  @Test
  void promptRowsArePrependedAsGlobalPlusLocal() throws IOException {
    SoftPromptConfig cfg = SoftPromptConfig.random(3, 16);
    float[] g = new float[48];
    float[] l = new float[48];
    for (int i = 0; i < 48; i++) {
      g[i] = i * 0.01f;
      l[i] = -i * 0.004f + 0.5f;
    }
    try (NDManager m = TensorRuntime.newManager();
        SoftPrompt prompt = SoftPrompt.of(cfg, g, l, m)) {
      NDArray emb = m.ones(new Shape(2, 4, 16));
      NDArray mask = m.create(new long[] {1, 1, 1, 0, 1, 1, 0, 0}, new Shape(2, 4));
      SoftPrompt.Prepended p = prompt.prepend(emb, mask);
      assertThat(p.embeddings().getShape()).isEqualTo(new Shape(2, 7, 16));
      assertThat(p.attentionMask().toLongArray())
          .containsExactly(1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0);
      float[] out = p.embeddings().toFloatArray();
      for (int b = 0; b < 2; b++) {
        for (int i = 0; i < 48; i++) {
          assertThat(out[b * 7 * 16 + i]).isEqualTo(g[i] + l[i]);
        }
        assertThat(out[b * 7 * 16 + 48]).isEqualTo(1f);
      }
    }
  }

  @Test
  void trainingChangesOnlyPromptAndHeadNeverTheEncoder() throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        BertModel model = bert(m);
        SoftPrompt prompt = SoftPrompt.create(SoftPromptConfig.random(4, 16), 3, m);
        ClassificationHead head = ClassificationHead.create(16, 2, 0.02f, 5, m)) {
      Map<String, float[]> encoderBefore = new LinkedHashMap<>();
      model.linears().forEach((k, v) -> encoderBefore.put(k, v.weight().toFloatArray()));
      float[][] embBefore = model.embedIds(List.of(new long[] {2, 7, 3}), 1, false);
      float[] g0 = prompt.globalValues();
      float[] l0 = prompt.localValues();
      Map<String, NDArray> params = new LinkedHashMap<>(prompt.parameters());
      params.putAll(head.parameters());
      PromptClassifier objective = new PromptClassifier(model, prompt, Pooling.MEAN, head);
      double before = evalLoss(objective, m);
      try (Trainer t =
          Trainer.builder()
              .setParameters(TrainableParameters.of(params))
              .setObjective(objective)
              .setOptimizer(AdamW.builder().build())
              .setSchedule(LearningRateSchedule.constant(0.1))
              .setTrainData(data())
              .setMaxSteps(60)
              .optMicroBatchSize(8)
              .optSeed(1)
              .build()) {
        t.train();
      }
      double after = evalLoss(objective, m);
      assertThat(after).isLessThan(before * 0.7);
      assertThat(prompt.globalValues()).isNotEqualTo(g0);
      assertThat(prompt.localValues()).isNotEqualTo(l0);
      model
          .linears()
          .forEach(
              (k, v) ->
                  assertThat(v.weight().toFloatArray()).containsExactly(encoderBefore.get(k)));
      model.linears().values().forEach(v -> assertThat(v.weight().hasGradient()).isFalse());
      assertThat(model.embedIds(List.of(new long[] {2, 7, 3}), 1, false)).isDeepEqualTo(embBefore);
    }
  }

  private static double evalLoss(PromptClassifier objective, NDManager m) {
    try (NDManager s = m.newSubManager();
        io.persona4j.core.train.Autograd.NoGrad off = io.persona4j.core.train.Autograd.noGrad()) {
      return objective.evaluate(Batch.of(data(), 0), s).meanLoss();
    }
  }

  @Test
  void secFppFilesRoundTripBitExactlyAndKeepLocalApart(@TempDir Path dir) throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        SoftPrompt prompt = SoftPrompt.create(SoftPromptConfig.random(5, 16), 9, m);
        ClassificationHead head = ClassificationHead.create(16, 3, 0.5f, 2, m)) {
      float[] local = new float[80];
      for (int i = 0; i < local.length; i++) {
        local[i] = (float) Math.sin(i) * 1e-3f;
      }
      prompt.setLocal(local);
      SecFppPromptFiles.save(dir, prompt, head);
      try (SecFppPromptFiles.Loaded back = SecFppPromptFiles.load(dir, m)) {
        assertThat(back.prompt().globalValues()).containsExactly(prompt.globalValues());
        assertThat(back.prompt().localValues()).containsExactly(local);
        assertThat(back.head().parameters().get(ClassificationHead.WEIGHT).toFloatArray())
            .containsExactly(head.parameters().get(ClassificationHead.WEIGHT).toFloatArray());
      }
      // The shared directory holds P_G only: PEFT's keys, no local values, no head.
      PromptTuningFiles.Loaded g = PromptTuningFiles.read(dir.resolve("global"));
      assertThat(g.extras()).isEmpty();
      assertThat(g.prompt()).containsExactly(prompt.globalValues());
      String cfg = Files.readString(dir.resolve("global/adapter_config.json"));
      assertThat(cfg)
          .contains(
              "\"peft_type\" : \"PROMPT_TUNING\"",
              "\"num_virtual_tokens\" : 5",
              "\"token_dim\" : 16");
      SecFppPromptFiles.exportCombined(dir.resolve("combined"), prompt, head);
      assertThat(PromptTuningFiles.read(dir.resolve("combined")).prompt())
          .containsExactly(prompt.combinedValues());
    }
  }

  @Test
  void configValidationNamesTheField() {
    assertThatThrownBy(() -> new SoftPromptConfig(-1, 4, SoftPromptConfig.Init.ZEROS, 0))
        .hasMessageContaining("numVirtualTokens must be >= 0, got -1");
    assertThatThrownBy(() -> new SoftPromptConfig(2, 4, SoftPromptConfig.Init.RANDOM, Double.NaN))
        .hasMessageContaining("initStd");
  }
}
