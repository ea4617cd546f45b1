/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.model.RandomWeights;
import io.persona4j.core.model.TinyConfigs;
import io.persona4j.core.model.WeightSource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaCheckpointWriterTest {
  @Test
  void savedWeightsReloadBitExactIncludingInPlaceUpdatesOfFusedWeights(@TempDir Path tmp)
      throws Exception {
    int n = 0;
    for (LlamaConfig config : TinyConfigs.all()) {
      Path dst = tmp.resolve("dst" + n);
      var random = WeightSource.ofFloats("random", RandomWeights.llama(config, 7 + n++, 0.1f));
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel a = LlamaModel.load(config, random, m)) {
        // As full-parameter training does: change every weight in place (fused views included).
        for (NDArray w : a.weights().values()) {
          NDArray bumped = w.add(m.create(0.25f)).mul(m.create(1.5f));
          w.set(new ai.djl.ndarray.index.NDIndex("..."), bumped);
        }
        LlamaCheckpointWriter.save(a, dst);
        try (LlamaModel b = LlamaModel.load(dst, m)) {
          assertThat(b.config()).isEqualTo(a.config());
          Map<String, NDArray> wa = a.weights();
          Map<String, NDArray> wb = b.weights();
          assertThat(wb.keySet()).containsExactlyElementsOf(wa.keySet());
          for (String name : wa.keySet()) {
            assertThat(wb.get(name).toFloatArray())
                .as(name)
                .containsExactly(wa.get(name).toFloatArray());
          }
          NDArray ids = m.create(new long[] {1, 5, 9, 3}, new Shape(1, 4));
          assertThat(b.logits(ids, null).toFloatArray())
              .containsExactly(a.logits(ids, null).toFloatArray());
        }
      }
    }
    assertThat(n).isEqualTo(TinyConfigs.all().size());
  }
}
