/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;

  /** Six tensors of 64 bytes (F32[16]) and one of 200 bytes. */
  static Map<String, HostTensor> tensors() {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      float[] v = new float[16];
      for (int j = 0; j < v.length; j++) {
        v[j] = i * 100 + j + 0.5f;
      }
      t.put("layers." + i + ".weight", HostTensor.f32(new long[] {4, 4}, v));
      if (i == 2) {
        t.put("big", HostTensor.i64(new long[] {25}, new long[25]));
      }
    }
    return t;
  }

  @Test
  void shardedWriteReadsBackIdentically() throws Exception {
    Map<String, HostTensor> tensors = tensors();
    // 64+64 fit 150, a third 64 does not; "big" (200) exceeds the limit and gets its own shard
    SafetensorsWriter.writeSharded(dir, tensors, 150, Map.of("format", "pt"));
    assertThat(SafetensorsWriterTest.names(dir))
        .containsExactly(
            "model-00001-of-00005.safetensors",
            "model-00002-of-00005.safetensors",
            "model-00003-of-00005.safetensors",
            "model-00004-of-00005.safetensors",
            "model-00005-of-00005.safetensors",
            "model.safetensors.index.json");
    JsonNode index = new ObjectMapper().readTree(dir.resolve(Checkpoint.INDEX_FILE).toFile());
    assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(6 * 64 + 200);
    JsonNode map = index.get("weight_map");
    assertThat(map.get("layers.0.weight").asText()).isEqualTo("model-00001-of-00005.safetensors");
    assertThat(map.get("layers.1.weight").asText()).isEqualTo("model-00001-of-00005.safetensors");
    assertThat(map.get("layers.2.weight").asText()).isEqualTo("model-00002-of-00005.safetensors");
    assertThat(map.get("big").asText()).isEqualTo("model-00003-of-00005.safetensors");
    assertThat(map.get("layers.3.weight").asText()).isEqualTo("model-00004-of-00005.safetensors");
    assertThat(map.get("layers.4.weight").asText()).isEqualTo("model-00004-of-00005.safetensors");
    assertThat(map.get("layers.5.weight").asText()).isEqualTo("model-00005-of-00005.safetensors");

    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.source()).isEqualTo(dir.resolve(Checkpoint.INDEX_FILE));
      assertThat(c.names()).containsExactlyElementsOf(tensors.keySet());
      assertThat(c.files()).hasSize(5);
      assertThat(c.metadata()).containsEntry("format", "pt");
      for (var e : tensors.entrySet()) {
        String name = e.getKey();
        assertThat(c.contains(name)).isTrue();
        assertThat(c.hostTensor(name)).as(name).isEqualTo(e.getValue());
        assertThat(c.fileOf(name).getFileName().toString()).isEqualTo(map.get(name).asText());
        assertThat(c.info(name).shape()).isEqualTo(e.getValue().shape());
      }
      assertThat(c.floats("layers.5.weight")).startsWith(500.5f, 501.5f);
      assertThat(c.longs("big")).hasSize(25).containsOnly(0L);
      assertThat(c.contains("nope")).isFalse();
      assertThatThrownBy(() -> c.info("nope"))
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining("'nope'");
      assertThatThrownBy(() -> c.floats("nope"))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining(Checkpoint.INDEX_FILE)
          .hasMessageContaining("'nope'");
    }
  }

  @Test
  void everythingInOneShardIsWrittenAsModelSafetensorsAndStaleFilesGo() throws Exception {
    SafetensorsWriter.writeSharded(dir, tensors(), 150, Map.of());
    SafetensorsWriter.writeSharded(dir, tensors(), 1 << 20, Map.of());
    assertThat(SafetensorsWriterTest.names(dir)).containsExactly("model.safetensors");
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.source()).isEqualTo(dir.resolve(Checkpoint.SINGLE_FILE));
      assertThat(c.names()).containsExactlyElementsOf(tensors().keySet());
      assertThat(c.hostTensor("big")).isEqualTo(tensors().get("big"));
    }
    SafetensorsWriter.writeSharded(dir, tensors(), 300, Map.of());
    assertThat(SafetensorsWriterTest.names(dir))
        .containsExactly(
            "model-00001-of-00003.safetensors",
            "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors",
            "model.safetensors.index.json");
  }

  @Test
  void findsTheOnlySafetensorsFileOrTakesAFilePath() throws Exception {
    Path adapter = dir.resolve("adapter_model.safetensors");
    SafetensorsWriter.write(adapter, tensors(), Map.of());
    Files.writeString(dir.resolve("adapter_config.json"), "{}");
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.fileOf("big")).isEqualTo(adapter);
      assertThat(c.names()).hasSize(7);
    }
    try (Checkpoint c = Checkpoint.open(adapter)) {
      assertThat(c.files()).containsExactly(adapter);
    }
    SafetensorsWriter.write(dir.resolve("other.safetensors"), tensors(), Map.of());
    assertThatThrownBy(() -> Checkpoint.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("adapter_model.safetensors")
        .hasMessageContaining("other.safetensors");
    Path empty = Files.createDirectory(dir.resolve("empty"));
    assertThatThrownBy(() -> Checkpoint.open(empty))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("no safetensors file");
    assertThatThrownBy(() -> Checkpoint.open(dir.resolve("absent")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("absent");
  }

  @Test
  void indexNamingAMissingShard() throws Exception {
    SafetensorsWriter.writeSharded(dir, tensors(), 150, Map.of());
    Files.delete(dir.resolve("model-00003-of-00005.safetensors"));
    assertThatThrownBy(() -> Checkpoint.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(Checkpoint.INDEX_FILE)
        .hasMessageContaining("'big'")
        .hasMessageContaining("model-00003-of-00005.safetensors")
        .hasMessageContaining("does not exist");
  }

  @Test
  void indexNamingATensorTheShardLacks() throws Exception {
    SafetensorsWriter.writeSharded(dir, tensors(), 150, Map.of());
    Path index = dir.resolve(Checkpoint.INDEX_FILE);
    String json = Files.readString(index);
    Files.writeString(
        index,
        json.replace(
            "\"weight_map\" : {",
            "\"weight_map\" : {\n    \"ghost\" : \"model-00002-of-00005.safetensors\","));
    assertThat(Files.readString(index)).contains("ghost");
    assertThatThrownBy(() -> Checkpoint.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model-00002-of-00005.safetensors")
        .hasMessageContaining("'ghost'");
  }

  @Test
  void malformedIndexes() throws Exception {
    SafetensorsWriter.write(dir.resolve("s.safetensors"), tensors(), Map.of());
    Path index = dir.resolve(Checkpoint.INDEX_FILE);
    Files.writeString(index, "{\"weight_map\": ");
    assertThatThrownBy(() -> Checkpoint.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(Checkpoint.INDEX_FILE)
        .hasMessageContaining("JSON");
    Files.writeString(index, "{\"metadata\": {}}");
    assertThatThrownBy(() -> Checkpoint.open(dir)).hasMessageContaining("weight_map");
    Files.writeString(index, "{\"weight_map\": {\"big\": \"../s.safetensors\"}}");
    assertThatThrownBy(() -> Checkpoint.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("'big'")
        .hasMessageContaining("outside");
    Files.writeString(index, "{\"weight_map\": {\"big\": 3}}");
    assertThatThrownBy(() -> Checkpoint.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("'big'");
    // a valid index next to it works, and is preferred to guessing
    Files.writeString(index, "{\"weight_map\": {\"big\": \"s.safetensors\"}}");
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.names()).containsExactly("big");
      assertThat(c.longs("big")).hasSize(25);
    }
  }
}
