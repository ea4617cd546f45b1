/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.WeightSource;
import io.persona4j.core.model.bert.BertModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on a BERT encoder: injection by BERT's module names, invariants, PEFT round trip. */
class BertLoraTest {
  static final BertConfig CONFIG =
      new BertConfig("bert", 120, 32, 2, 4, 64, "gelu", 64, 2, 1e-12, 0, "absolute", null, null);
  static final List<long[]> IDS = List.of(new long[] {2, 17, 42, 3}, new long[] {2, 9, 3});

  static BertModel bert(NDManager m) throws IOException {
    return BertModel.load(
        CONFIG, WeightSource.ofFloats("random", RandomWeights.bert(CONFIG, 4, 0.2f)), m);
  }

  @Test
  void loraOnQueryValueKeepsZeroInitInvariantAndMergesExactly(@TempDir Path dir)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        BertModel model = bert(m)) {
      float[][] base = model.embedIds(IDS, 8, false);
      LoraModel lora = LoraModel.of(model, m);
      List<String> targets =
          lora.add(
              "user",
              LoraConfig.builder().optR(4).optAlpha(8).optTargets("query", "value").build(),
              1);
      assertThat(targets)
          .contains("encoder.layer.0.attention.self.query", "encoder.layer.1.attention.self.value")
          .hasSize(4);
      assertThat(model.embedIds(IDS, 8, false)).isDeepEqualTo(base);

      TinyModels.randomize(lora, "user", 7);
      float[][] adapted = model.embedIds(IDS, 8, false);
      assertThat(TinyModels.maxAbsDiff(adapted[0], base[0])).isGreaterThan(1e-3);
      lora.merge();
      float[][] merged = model.embedIds(IDS, 8, false);
      for (int i = 0; i < IDS.size(); i++) {
        assertThat(TinyModels.maxAbsDiff(merged[i], adapted[i])).isLessThan(1e-5);
      }
      lora.unmerge();
      lora.save("user", dir);
      lora.close();
      assertThat(model.embedIds(IDS, 8, false)).isDeepEqualTo(base);

      try (LoraModel again = LoraModel.of(model, m)) {
        again.load(dir, "user");
        again.activate("user");
        assertThat(model.embedIds(IDS, 8, false)).isDeepEqualTo(adapted);
      }
    }
  }
}
