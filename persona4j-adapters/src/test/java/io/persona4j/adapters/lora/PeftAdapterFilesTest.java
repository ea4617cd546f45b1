/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading adapters in PEFT layout, and every way a file can be wrong. */
class PeftAdapterFilesTest {
  static final LoraConfig CONFIG =
      LoraConfig.builder()
          .optR(4)
          .optAlpha(16)
          .optDropout(0.05)
          .optTargets("q_proj", "v_proj", "down_proj")
          .optTaskType("CAUSAL_LM")
          .optBaseModel("tiny-random")
          .build();
  static final String Q0_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
  static final ObjectMapper JSON = new ObjectMapper();

  /** Saves a random (non-identity) adapter of the tiny model to {@code dir}. */
  static void saveRandomAdapter(Path dir, LoraConfig config, long seed) throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("default", config, seed);
      TinyModels.randomize(lora, "default", seed);
      lora.save("default", dir);
    }
  }

  static Map<String, HostTensor> tensors(Path dir) throws IOException {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      for (String n : st.names()) {
        out.put(n, st.hostTensor(n));
      }
    }
    return out;
  }

  static void rewriteTensors(
      Path dir, Consumer<Map<String, HostTensor>> edit, Map<String, String> metadata)
      throws IOException {
    Map<String, HostTensor> t = tensors(dir);
    edit.accept(t);
    SafetensorsWriter.write(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE), t, metadata);
  }

  static void rewriteConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
    Path f = dir.resolve(LoraConfigs.FILE_NAME);
    ObjectNode root = (ObjectNode) JSON.readTree(f.toFile());
    edit.accept(root);
    JSON.writeValue(f.toFile(), root);
  }

  /** Loading {@code dir} into a fresh tiny model fails; the model is left unadapted. */
  static void assertLoadFails(Path dir, Class<? extends Exception> type, String... fragments)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      var thrown = assertThatThrownBy(() -> lora.load(dir, "x")).isInstanceOf(type);
      for (String f : fragments) {
        thrown.hasMessageContaining(f);
      }
      assertThat(model.linears().values()).noneMatch(LoraLinear.class::isInstance);
      assertThat(lora.adapters()).isEmpty();
    }
  }

  @Test
  void saveThenLoadIsBitExactInTensorsAndLogits(@TempDir Path dir) throws Exception {
    Map<String, float[]> saved = new LinkedHashMap<>();
    float[] logits;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("mine", CONFIG, 3);
      TinyModels.randomize(lora, "mine", 3);
      lora.adapterTensors("mine").forEach((k, v) -> saved.put(k, v.toFloatArray()));
      logits = TinyModels.logits(model, m);
      lora.save("mine", dir);
    }
    assertThat(tensors(dir).keySet()).containsExactlyElementsOf(saved.keySet()).contains(Q0_A);
    assertThat(tensors(dir).get(Q0_A).shape()).containsExactly(4, 32);
    assertThat(
            tensors(dir).get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape())
        .containsExactly(32, 4);

    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      LoadedAdapter loaded = lora.load(dir, "again");
      assertThat(loaded.config())
          .isEqualTo(
              CONFIG.toBuilder().optInferenceMode(true).optProvenance(loaded.provenance()).build());
      assertThat(loaded.provenance().formatVersion()).isEqualTo("1");
      assertThat(loaded.targets()).hasSize(6);
      lora.adapterTensors("again")
          .forEach((k, v) -> assertThat(v.toFloatArray()).as(k).containsExactly(saved.get(k)));
      assertThat(TinyModels.logits(model, m)).containsExactly(logits);
      assertThat(lora.trainableParameters()).as("loaded adapters are frozen, as in PEFT").isEmpty();
    }
  }

  @Test
  void filesCarryPeftFieldsAndPersona4jProvenance(@TempDir Path dir) throws Exception {
    saveRandomAdapter(dir, CONFIG, 1);
    JsonNode c = JSON.readTree(dir.resolve(LoraConfigs.FILE_NAME).toFile());
    assertThat(c.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(c.get("r").asInt()).isEqualTo(4);
    assertThat(c.get("lora_alpha").asDouble()).isEqualTo(16);
    assertThat(c.get("target_modules").isArray()).isTrue();
    assertThat(c.get("bias").asText()).isEqualTo("none");
    assertThat(c.get("fan_in_fan_out").asBoolean()).isFalse();
    assertThat(c.get("inference_mode").asBoolean()).isTrue();
    assertThat(c.get("task_type").asText()).isEqualTo("CAUSAL_LM");
    assertThat(c.get("persona4j").get("format_version").asText()).isEqualTo("1");
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      assertThat(st.metadata())
          .containsEntry("format", "pt")
          .containsEntry("persona4j.format_version", "1")
          .containsKey("persona4j.code_version");
    }
  }

  @Test
  void modulesToSaveRoundTripUnderPeftKeys(@TempDir Path dir) throws Exception {
    LoraConfig config = CONFIG.toBuilder().optModulesToSave("score").optTaskType("SEQ_CLS").build();
    float[] head = new float[3 * 32];
    for (int i = 0; i < head.length; i++) {
      head[i] = i * 0.01f - 0.4f;
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      lora.add("cls", config, 1);
      NDArray score = m.create(head, new Shape(3, 32));
      assertThatThrownBy(() -> lora.save("cls", dir, Map.of("lm_head.weight", score)))
          .hasMessageContaining("modules_to_save [score]");
      lora.save("cls", dir, Map.of("score.weight", score));
    }
    assertThat(tensors(dir)).containsKey("base_model.model.score.weight");
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      LoadedAdapter loaded = lora.load(dir, "cls");
      assertThat(loaded.modulesToSave()).containsOnlyKeys("score.weight");
      assertThat(loaded.modulesToSave().get("score.weight").toFloatArray()).containsExactly(head);
      Path again = dir.resolveSibling(dir.getFileName() + "-again");
      lora.save("cls", again);
      assertThat(tensors(again)).isEqualTo(tensors(dir));
    }
  }

  @Test
  void rankMismatchNamesTheTensorAndBothShapes(@TempDir Path dir) throws Exception {
    saveRandomAdapter(dir, CONFIG.toBuilder().optR(8).build(), 1);
    rewriteConfig(dir, c -> c.put("r", 4));
    assertLoadFails(dir, ModelFormatException.class, Q0_A, "[8, 32]", "[4, 32]", "r = 4");
  }

  @Test
  void adapterOfADifferentBaseModelNamesTheTensorAndBothShapes(@TempDir Path dir) throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel wider =
            TinyModels.llama(ModelInit.decoderConfig("llama", 2, 48, 4, 2, 61, 0, 64), 1, m);
        LoraModel lora = LoraModel.of(wider, m)) {
      lora.add("default", CONFIG, 1);
      lora.save("default", dir);
    }
    assertLoadFails(dir, ModelFormatException.class, Q0_A, "[4, 48]", "[4, 32]", "in_features 32");
  }

  @Test
  void unknownMissingAndNonFiniteTensorsAreRejected(@TempDir Path dir) throws Exception {
    saveRandomAdapter(dir, CONFIG, 1);
    Map<String, HostTensor> good = tensors(dir);
    String k0 = "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight";
    rewriteTensors(dir, t -> t.put(k0, good.get(Q0_A)), Map.of());
    assertLoadFails(dir, ModelFormatException.class, k0, "does not have");

    String b1 = "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight";
    rewriteTensors(dir, t -> t.remove(k0), Map.of());
    rewriteTensors(dir, t -> t.remove(b1), Map.of());
    assertLoadFails(dir, ModelFormatException.class, b1, "missing");

    rewriteTensors(
        dir,
        t -> {
          t.putAll(good);
          float[] v = new float[4 * 32];
          v[17] = Float.NaN;
          t.put(Q0_A, HostTensor.f32(new long[] {4, 32}, v));
        },
        Map.of());
    assertLoadFails(dir, ModelFormatException.class, Q0_A, "NaN or infinite");
  }

  @Test
  void unknownPersona4jFormatVersionIsRejected(@TempDir Path dir) throws Exception {
    saveRandomAdapter(dir, CONFIG, 1);
    rewriteTensors(dir, t -> {}, Map.of("format", "pt", "persona4j.format_version", "2"));
    assertLoadFails(dir, ModelFormatException.class, "persona4j.format_version", "'2'");

    rewriteTensors(dir, t -> {}, Map.of("format", "pt"));
    rewriteConfig(dir, c -> ((ObjectNode) c.get("persona4j")).put("format_version", "7"));
    assertLoadFails(
        dir,
        ModelFormatException.class,
        LoraConfigs.FILE_NAME,
        "persona4j.format_version",
        "'7'",
        "reads '1'");
  }

  @Test
  void configThatTargetsNothingListsTheModulesAndMissingWeightsFileIsNamed(@TempDir Path dir)
      throws Exception {
    saveRandomAdapter(dir, CONFIG, 1);
    rewriteConfig(dir, c -> c.putArray("target_modules").add("c_attn"));
    assertLoadFails(
        dir, IllegalArgumentException.class, "c_attn", "q_proj, k_proj, v_proj, o_proj, gate_proj");

    Files.delete(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE));
    assertLoadFails(dir, java.nio.file.NoSuchFileException.class, PeftAdapterFiles.WEIGHTS_FILE);
  }

  @Test
  void baseWeightsStayUntouchedByLoadingAndDeleting(@TempDir Path dir) throws Exception {
    saveRandomAdapter(dir, CONFIG, 1);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(model, m)) {
      Map<String, Linear> before = model.linears();
      float[] base = TinyModels.logits(model, m);
      lora.load(dir, "one");
      lora.delete("one");
      assertThat(model.linears()).isEqualTo(before);
      assertThat(TinyModels.logits(model, m)).containsExactly(base);
    }
  }
}
