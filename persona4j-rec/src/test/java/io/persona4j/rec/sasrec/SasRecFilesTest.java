/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.sasrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SasRecFilesTest {
  @TempDir Path dir;

  private static final int[][] HISTORIES = {{1, 2, 3}, {20, 4, 4, 7, 1, 9, 12}, {6}};

  @Test
  void saveThenLoadIsBitExact() throws IOException {
    SasRecConfig config = TestModels.tiny(2, 2, false);
    Path out = dir.resolve("model");
    try (SasRecModel model = TestModels.randomModel(config, 3)) {
      model.save(out);
      assertThat(list(out)).containsExactlyInAnyOrder("model.safetensors", "sasrec_config.json");
      assertThat(list(dir)).containsExactly("model"); // no temporary left behind
      try (SasRecModel loaded = SasRecModel.load(out)) {
        assertThat(loaded.config()).isEqualTo(config);
        Map<String, float[]> a = model.weights().snapshot();
        Map<String, float[]> b = loaded.weights().snapshot();
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        a.forEach((k, v) -> assertThat(bits(b.get(k))).as(k).isEqualTo(bits(v)));
        assertThat(loaded.scoreAll(HISTORIES)).isDeepEqualTo(model.scoreAll(HISTORIES));
      }
      try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
        assertThat(f.names())
            .contains(
                "item_emb.weight",
                "pos_emb.weight",
                "blocks.1.attn.q.weight",
                "blocks.0.ffn.fc2.bias",
                "last_norm.weight")
            .hasSize(SasRecWeights.shapes(config).size());
        assertThat(f.info("item_emb.weight").shape()).containsExactly(21, 8);
        assertThat(f.metadata()).containsEntry("persona4j.model_type", "sasrec");
      }
    }
  }

  @Test
  void saveReplacesAnEarlierModelButNotOtherDirectories() throws IOException {
    SasRecConfig config = TestModels.tiny(1, 1, false);
    Path out = dir.resolve("model");
    try (SasRecModel first = TestModels.randomModel(config, 1);
        SasRecModel second = TestModels.randomModel(config, 2)) {
      first.save(out);
      second.save(out);
      try (SasRecModel loaded = SasRecModel.load(out)) {
        assertThat(loaded.scoreAll(HISTORIES)).isDeepEqualTo(second.scoreAll(HISTORIES));
      }
      assertThat(list(dir)).containsExactly("model");
      Path other = Files.createDirectories(dir.resolve("other"));
      Files.writeString(other.resolve("notes.txt"), "keep me");
      assertThatThrownBy(() -> first.save(other))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("not replacing");
      assertThat(other.resolve("notes.txt")).hasContent("keep me");
    }
  }

  @Test
  void loadNamesFileAndTensorOfInconsistentWeights() throws IOException {
    SasRecConfig config = TestModels.tiny(1, 1, false);
    Path out = dir.resolve("model");
    try (SasRecModel model = TestModels.randomModel(config, 1)) {
      model.save(out);
    }
    Path weights = out.resolve("model.safetensors");
    Map<String, float[]> values = TestModels.randomWeights(config, 1);

    Map<String, HostTensor> missing = tensors(config, values);
    missing.remove("blocks.0.attn.k.bias");
    SafetensorsWriter.write(weights, missing, Map.of());
    assertThatThrownBy(() -> SasRecModel.load(out))
        .hasMessageContaining(weights.toString())
        .hasMessageContaining("'blocks.0.attn.k.bias'")
        .hasMessageContaining("missing");

    Map<String, HostTensor> extra = tensors(config, values);
    extra.put("blocks.1.attn.k.bias", HostTensor.f32(new long[] {8}, new float[8]));
    SafetensorsWriter.write(weights, extra, Map.of());
    assertThatThrownBy(() -> SasRecModel.load(out)).hasMessageContaining("'blocks.1.attn.k.bias'");

    Map<String, HostTensor> wrongShape = tensors(config, values);
    wrongShape.put("pos_emb.weight", HostTensor.f32(new long[] {5, 8}, new float[40]));
    SafetensorsWriter.write(weights, wrongShape, Map.of());
    assertThatThrownBy(() -> SasRecModel.load(out))
        .hasMessageContaining("'pos_emb.weight'")
        .hasMessageContaining("expected F32[6, 8]")
        .hasMessageContaining("F32[5, 8]");
  }

  private static Map<String, HostTensor> tensors(SasRecConfig c, Map<String, float[]> values) {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    SasRecWeights.shapes(c).forEach((k, s) -> t.put(k, HostTensor.f32(s, values.get(k))));
    return t;
  }

  private static int[] bits(float[] v) {
    int[] b = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Float.floatToRawIntBits(v[i]);
    }
    return b;
  }

  private static java.util.List<String> list(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).toList();
    }
  }
}
