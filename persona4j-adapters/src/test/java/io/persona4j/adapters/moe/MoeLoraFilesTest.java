/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.lora.LoraConfigs;
import io.persona4j.adapters.lora.LoraLinear;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.adapters.lora.TinyModels;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading mixtures: bit-exact round trips, PEFT-pure files, and every bad file. */
class MoeLoraFilesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final MoeLoraConfig CONFIG = MoeFixtures.small(GateType.LINEAR);

  /** Saves a random linear-gate mixture; returns its tensors and its logits for two rows. */
  static Map<String, float[]> saveRandom(Path dir, MoeLoraConfig config, float[][] logits)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      moe.add("mine", config, 3);
      MoeFixtures.randomize(moe, 5);
      Map<String, float[]> tensors = tensorsOf(moe);
      if (logits != null) {
        moe.setGateInput(MoeFixtures.gateInputs(m, 2, 8, 9));
        logits[0] = MoeFixtures.logits(model, m, TinyModels.IDS, MoeFixtures.OTHER_IDS);
      }
      moe.save(dir);
      return tensors;
    }
  }

  static Map<String, float[]> tensorsOf(MoeLoraModel moe) {
    Map<String, float[]> out = new LinkedHashMap<>();
    moe.units()
        .forEach(
            (path, u) -> {
              out.put(path + ".A", u.a().toFloatArray());
              out.put(path + ".B", u.b().toFloatArray());
            });
    if (moe.routerWeight() != null) {
      out.put("router", moe.routerWeight().toFloatArray());
    }
    return out;
  }

  /** Loading {@code dir} fails with {@code type} and every fragment; the model stays plain. */
  static void assertLoadFails(Path dir, Class<? extends Exception> type, String... fragments)
      throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      var thrown = assertThatThrownBy(() -> moe.load(dir, "x")).isInstanceOf(type);
      for (String f : fragments) {
        thrown.hasMessageContaining(f);
      }
      assertThat(model.linears().values()).noneMatch(LoraLinear.class::isInstance);
      assertThat(moe.name()).isNull();
    }
  }

  static void rewriteJson(Path file, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
    edit.accept(root);
    JSON.writeValue(file.toFile(), root);
  }

  @Test
  void saveThenLoadIsBitExactInTensorsAndLogits(@TempDir Path dir) throws Exception {
    float[][] logits = new float[1][];
    Map<String, float[]> saved = saveRandom(dir, CONFIG, logits);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      MoeLoraConfig loaded = moe.load(dir, "again");
      assertThat(loaded).isEqualTo(CONFIG);
      assertThat(moe.targets()).hasSize(6);
      Map<String, float[]> got = tensorsOf(moe);
      assertThat(got.keySet()).isEqualTo(saved.keySet());
      got.forEach((k, v) -> assertThat(v).as(k).containsExactly(saved.get(k)));
      moe.setGateInput(MoeFixtures.gateInputs(m, 2, 8, 9));
      assertThat(MoeFixtures.logits(model, m, TinyModels.IDS, MoeFixtures.OTHER_IDS))
          .containsExactly(logits[0]);
      assertThat(moe.trainableParameters().all()).as("loaded frozen").isEmpty();
      assertThat(moe.routerWeight().hasGradient()).isFalse();
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel model = TinyModels.llama(m);
        MoeLoraModel moe = MoeLoraModel.of(model, m)) {
      moe.load(dir, "trainable", true, 1);
      assertThat(moe.trainableParameters().router())
          .containsKey("moe_gate.trainable.router.weight");
      assertThat(moe.trainableParameters().experts()).hasSize(12);
    }
  }

  @Test
  void filesArePurePeftPlusTheMixturesOwn(@TempDir Path dir) throws Exception {
    saveRandom(dir, CONFIG, null);
    JsonNode c = JSON.readTree(dir.resolve(LoraConfigs.FILE_NAME).toFile());
    assertThat(c.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(c.get("r").asInt()).isEqualTo(4);
    assertThat(c.get("lora_alpha").asDouble()).isEqualTo(8);
    assertThat(c.get("use_rslora").asBoolean()).isFalse();
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      assertThat(st.names())
          .hasSize(12)
          .allMatch(n -> n.startsWith("base_model.model.model.layers."))
          .allMatch(n -> n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight"));
      assertThat(st.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
          .containsExactly(4, 32);
    }
    JsonNode moe = JSON.readTree(dir.resolve(MoeLoraFiles.CONFIG_FILE).toFile());
    assertThat(moe.get("format_version").asText()).isEqualTo("1");
    assertThat(moe.get("num_experts").asInt()).isEqualTo(2);
    assertThat(moe.get("gate_type").asText()).isEqualTo("LINEAR");
    assertThat(moe.get("gate_dim").asInt()).isEqualTo(8);
    assertThat(moe.get("alpha").asDouble()).isEqualTo(8);
    assertThat(moe.get("r").asInt()).isEqualTo(4);
    assertThat(moe.get("router_lr_multiplier").asDouble()).isEqualTo(0.3);
    assertThat(moe.get("seed").asLong()).isEqualTo(21);
    assertThat(moe.has("code_version")).isTrue();
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(MoeLoraFiles.GATE_FILE))) {
      assertThat(st.names()).containsExactly(MoeLoraFiles.ROUTER_TENSOR);
      assertThat(st.info(MoeLoraFiles.ROUTER_TENSOR).shape()).containsExactly(2, 8);
    }
  }

  @Test
  void randomAndUniformGatesRoundTripWithoutARouter(@TempDir Path dir) throws Exception {
    for (GateType type : new GateType[] {GateType.RANDOM, GateType.UNIFORM}) {
      Path d = dir.resolve(type.name());
      saveRandom(d, CONFIG, null); // a linear one first: its router file must go
      MoeLoraConfig config = CONFIG.toBuilder().optGateType(type).optSeed(99).build();
      Map<String, float[]> saved = saveRandom(d, config, null);
      assertThat(d.resolve(MoeLoraFiles.GATE_FILE)).doesNotExist();
      try (NDManager m = TensorRuntime.newManager();
          LlamaModel model = TinyModels.llama(m);
          MoeLoraModel moe = MoeLoraModel.of(model, m)) {
        assertThat(moe.load(d, "x")).isEqualTo(config);
        tensorsOf(moe).forEach((k, v) -> assertThat(v).as(k).containsExactly(saved.get(k)));
      }
    }
  }

  @Test
  void unknownFormatVersionsAndFieldsAreRejectedNamingFileAndField(@TempDir Path dir)
      throws Exception {
    saveRandom(dir, CONFIG, null);
    Path f = dir.resolve(MoeLoraFiles.CONFIG_FILE);
    rewriteJson(f, o -> o.put("format_version", "2"));
    assertLoadFails(
        dir, ModelFormatException.class, MoeLoraFiles.CONFIG_FILE, "'format_version' = '2'");
    rewriteJson(f, o -> o.put("format_version", "1").put("temperature", 2.0));
    assertLoadFails(
        dir, ModelFormatException.class, MoeLoraFiles.CONFIG_FILE, "unknown field 'temperature'");
    rewriteJson(f, o -> o.remove("temperature"));
    rewriteJson(f, o -> o.put("gate_type", "CONV"));
    assertLoadFails(
        dir, ModelFormatException.class, "'gate_type' = \"CONV\"", "LINEAR, RANDOM, UNIFORM");
    rewriteJson(f, o -> o.put("gate_type", "LINEAR").put("num_experts", 2.5));
    assertLoadFails(dir, ModelFormatException.class, "'num_experts' = 2.5", "integer");
    rewriteJson(f, o -> o.put("num_experts", 3));
    assertLoadFails(
        dir, ModelFormatException.class, MoeLoraFiles.CONFIG_FILE, "'r' = 4", "num_experts = 3");
    rewriteJson(f, o -> o.put("num_experts", 2).remove("gate_dim"));
    assertLoadFails(dir, ModelFormatException.class, "'gate_dim' is required");
  }

  @Test
  void configsThatDisagreeAreRejectedNamingBothFields(@TempDir Path dir) throws Exception {
    saveRandom(dir, CONFIG, null);
    Path f = dir.resolve(MoeLoraFiles.CONFIG_FILE);
    rewriteJson(f, o -> o.put("alpha", 16.0));
    assertLoadFails(
        dir,
        ModelFormatException.class,
        "'lora_alpha' = 8.0",
        MoeLoraFiles.CONFIG_FILE,
        "'alpha' = 16.0");
    rewriteJson(f, o -> o.put("alpha", 8.0).put("r", 8));
    assertLoadFails(dir, ModelFormatException.class, "'r' = 4 differs", "'r' = 8");
    rewriteJson(f, o -> o.put("r", 4));
    rewriteJson(dir.resolve(LoraConfigs.FILE_NAME), o -> o.put("use_rslora", true));
    assertLoadFails(dir, ModelFormatException.class, LoraConfigs.FILE_NAME, "'use_rslora'");
  }

  @Test
  void badOrMissingRouterAndMissingFilesAreNamed(@TempDir Path dir) throws Exception {
    saveRandom(dir, CONFIG, null);
    Path gate = dir.resolve(MoeLoraFiles.GATE_FILE);
    SafetensorsWriter.write(
        gate,
        Map.of(MoeLoraFiles.ROUTER_TENSOR, HostTensor.f32(new long[] {2, 9}, new float[18])),
        Map.of());
    assertLoadFails(
        dir,
        ModelFormatException.class,
        MoeLoraFiles.GATE_FILE,
        "router.weight",
        "[2, 9]",
        "[2, 8]");
    float[] nan = new float[16];
    nan[3] = Float.NaN;
    SafetensorsWriter.write(
        gate, Map.of(MoeLoraFiles.ROUTER_TENSOR, HostTensor.f32(new long[] {2, 8}, nan)), Map.of());
    assertLoadFails(dir, ModelFormatException.class, "router.weight", "NaN or infinite");
    SafetensorsWriter.write(
        gate, Map.of("gate.weight", HostTensor.f32(new long[] {2, 8}, new float[16])), Map.of());
    assertLoadFails(dir, ModelFormatException.class, "gate.weight", "unknown tensor");
    SafetensorsWriter.write(
        gate,
        Map.of(MoeLoraFiles.ROUTER_TENSOR, HostTensor.f32(new long[] {2, 8}, new float[16])),
        Map.of("persona4j.format_version", "9"));
    assertLoadFails(dir, ModelFormatException.class, "persona4j.format_version", "'9'");

    rewriteJson(dir.resolve(MoeLoraFiles.CONFIG_FILE), o -> o.put("gate_type", "UNIFORM"));
    assertLoadFails(dir, ModelFormatException.class, MoeLoraFiles.GATE_FILE, "UNIFORM");
    rewriteJson(dir.resolve(MoeLoraFiles.CONFIG_FILE), o -> o.put("gate_type", "LINEAR"));
    Files.delete(gate);
    assertLoadFails(dir, NoSuchFileException.class, MoeLoraFiles.GATE_FILE);
    Files.delete(dir.resolve(MoeLoraFiles.CONFIG_FILE));
    assertLoadFails(dir, NoSuchFileException.class, MoeLoraFiles.CONFIG_FILE, "LoraModel");
  }

  @Test
  void expertTensorsAreCheckedByThePeftReader(@TempDir Path dir) throws Exception {
    saveRandom(dir, CONFIG, null);
    Path w = dir.resolve(PeftAdapterFiles.WEIGHTS_FILE);
    String q0a = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    Map<String, HostTensor> t = new LinkedHashMap<>();
    try (SafetensorsFile st = SafetensorsFile.open(w)) {
      for (String n : st.names()) {
        t.put(n, st.hostTensor(n));
      }
    }
    t.put(q0a, HostTensor.f32(new long[] {2, 32}, new float[64]));
    SafetensorsWriter.write(w, t, Map.of());
    assertLoadFails(dir, ModelFormatException.class, q0a, "[2, 32]", "[4, 32]");
  }
}
