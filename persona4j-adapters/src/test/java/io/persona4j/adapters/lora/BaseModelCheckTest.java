/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.AdapterProvenance;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapters record the base model they were trained on ({@code persona4j.base_model_fingerprint})
 * and refuse another base unless allowed; PEFT's adapters (no fingerprint) still load.
 */
class BaseModelCheckTest {
  @TempDir static Path tmp;
  static Path base;
  static Path other;
  static Path adapter;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void models() throws IOException {
    base = tmp.resolve("base");
    other = tmp.resolve("other"); // same shapes, other weights
    var config = ModelInit.decoderConfig("llama", 2, 32, 4, 2, 300, 0, 64); // BPE needs >= 260
    ModelInit.write(config, 1, 0.2f, DType.F32, base);
    ModelInit.write(config, 2, 0.2f, DType.F32, other);
    adapter = tmp.resolve("adapter");
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(base, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      lora.add(
          "a", LoraConfig.builder().optR(2).optAlpha(4).optTargets("q_proj", "v_proj").build(), 3);
      TinyModels.randomize(lora, "a", 5);
      lora.save("a", adapter);
    }
  }

  @Test
  void savedAdaptersRecordTheBaseFingerprintAndName() throws IOException {
    String fingerprint = ModelFingerprint.of(base);
    LoraConfig saved = LoraConfigs.read(adapter);
    assertThat(saved.persona4j().baseModelFingerprint()).isEqualTo(fingerprint);
    assertThat(saved.baseModelNameOrPath()).isEqualTo(base.toAbsolutePath().normalize().toString());
    try (SafetensorsFile st =
        SafetensorsFile.open(adapter.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      assertThat(st.metadata()).containsEntry(AdapterProvenance.METADATA_BASE_KEY, fingerprint);
    }
  }

  @Test
  void anAdapterLoadsIntoItsBaseAndIsRefusedByAnotherUnlessAllowed() throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(base, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      assertThat(lora.load(adapter, "a").targets()).hasSize(4);
    }
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(other, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      float[] before = TinyModels.logits(lm, m);
      assertThatThrownBy(() -> lora.load(adapter, "a"))
          .isInstanceOf(BaseModelMismatchException.class)
          .hasMessageContaining(ModelFingerprint.of(base))
          .hasMessageContaining(ModelFingerprint.of(other))
          .hasMessageContaining(adapter.toString())
          .satisfies(
              e -> {
                BaseModelMismatchException b = (BaseModelMismatchException) e;
                assertThat(b.adapterBase()).isEqualTo(ModelFingerprint.of(base));
                assertThat(b.modelBase()).isEqualTo(ModelFingerprint.of(other));
              });
      assertThat(lora.adapters()).isEmpty();
      assertThat(TinyModels.logits(lm, m)).as("the model is unchanged").containsExactly(before);
      lora.setAllowBaseMismatch(true);
      assertThat(lora.load(adapter, "a").targets()).hasSize(4);
    }
  }

  @Test
  void anAdapterWithoutAFingerprintStillLoads() throws IOException {
    Path peft = Files.createDirectories(tmp.resolve("peft-like"));
    Files.copy(
        adapter.resolve(PeftAdapterFiles.WEIGHTS_FILE),
        peft.resolve(PeftAdapterFiles.WEIGHTS_FILE));
    ObjectNode config = (ObjectNode) JSON.readTree(adapter.resolve(LoraConfigs.FILE_NAME).toFile());
    config.remove("persona4j");
    Files.writeString(peft.resolve(LoraConfigs.FILE_NAME), config.toString());
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(other, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      assertThat(lora.load(peft, "a").provenance()).isNull();
    }
  }

  @Test
  void aModelBuiltInMemoryHasNoFingerprintUnlessOneIsSet() throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = TinyModels.llama(m);
        LoraModel lora = LoraModel.of(lm, m)) {
      assertThat(lora.baseModelFingerprint()).isEmpty();
      lora.add("a", LoraConfig.builder().optR(2).optTargets("q_proj").build(), 1);
      Path none = tmp.resolve("no-base");
      lora.save("a", none);
      assertThat(LoraConfigs.read(none).persona4j().baseModelFingerprint()).isNull();
      assertThat(LoraConfigs.read(none).baseModelNameOrPath()).isNull();
      assertThatThrownBy(() -> lora.setBaseModelFingerprint("sha256:xyz"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sha256:xyz");
      String fingerprint = ModelFingerprint.of(base);
      lora.setBaseModelFingerprint(fingerprint);
      Path stamped = tmp.resolve("stamped");
      lora.save("a", stamped);
      assertThat(LoraConfigs.read(stamped).persona4j().baseModelFingerprint())
          .isEqualTo(fingerprint);
    }
  }

  @Test
  void allLinearBecomesTheModulePathsItSelected() throws IOException {
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(base, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      lora.add("all", LoraConfig.builder().optR(2).optTargetRegex("All-Linear").build(), 1);
      assertThat(lora.config("all").targetModules().names())
          .hasSize(14)
          .containsExactlyElementsOf(lm.linears().keySet());
      Path saved = tmp.resolve("all-linear");
      lora.save("all", saved);
      assertThat(LoraConfigs.read(saved).targetModules().names()).hasSize(14);
    }
  }
}
