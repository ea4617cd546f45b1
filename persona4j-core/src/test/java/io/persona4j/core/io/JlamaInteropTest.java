/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tjake.jlama.safetensors.SafeTensorIndex;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files from {@link SafetensorsWriter} load in an independent reader, Jlama's. */
class JlamaInteropTest {
  @TempDir Path dir;

  static Map<String, HostTensor> tensors() {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    float[] v = new float[24];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i - 11) * 0.37f;
    }
    t.put("model.embed_tokens.weight", HostTensor.f32(new long[] {4, 6}, v));
    t.put("model.layers.0.mlp.up_proj.weight", HostTensor.of(DType.F16, new long[] {6, 4}, v));
    t.put("model.layers.0.mlp.down_proj.weight", HostTensor.of(DType.BF16, new long[] {3, 8}, v));
    return t;
  }

  @Test
  void jlamaReadsSingleAndShardedCheckpointsWeWrote() throws Exception {
    for (long maxShard : new long[] {1 << 20, 60}) {
      Path out = dir.resolve("max" + maxShard);
      SafetensorsWriter.writeSharded(out, tensors(), maxShard, Map.of("format", "pt"));
      try (Checkpoint ours = Checkpoint.open(out);
          WeightLoader jlama =
              maxShard == 60
                  ? SafeTensorIndex.loadWithWeights(out)
                  : SafeTensorIndex.loadSingleFile(out, Checkpoint.SINGLE_FILE)) {
        assertThat(ours.files()).hasSize(maxShard == 60 ? 3 : 1);
        assertThat(jlama.tensorInfoMap().keySet())
            .containsExactlyInAnyOrderElementsOf(ours.names());
        for (String name : ours.names()) {
          long[] shape = ours.info(name).shape();
          float[] expected = ours.floats(name);
          AbstractTensor t = jlama.load(name);
          for (int r = 0; r < shape[0]; r++) {
            for (int c = 0; c < shape[1]; c++) {
              assertThat(t.get(r, c))
                  .as("%s[%d,%d]", name, r, c)
                  .isEqualTo(expected[(int) (r * shape[1] + c)]);
            }
          }
        }
      }
    }
  }
}
