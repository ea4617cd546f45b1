/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.io.SafetensorsWriter;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Save and load of a PLoRA adapter are bit-exact (every tensor, the user table and ids, the head,
 * and so the logits), the layout is PEFT's plus the documented extras, and damaged directories are
 * refused naming the file and the field or tensor; a user vector entry round-trips and is checked.
 */
class PLoraFilesTest {
  static final String FP = "sha256:" + "ab".repeat(32);

  @Test
  void saveLoadIsBitExactAndTheLayoutIsPeftPlusExtras(@TempDir Path dir) throws Exception {
    List<Example> examples = PLoraFixtures.examples(4, 3);
    Map<Example, String> userOf = new IdentityHashMap<>();
    userOf.put(examples.get(0), "u1");
    userOf.put(examples.get(1), "u-2@x");
    userOf.put(examples.get(2), "u1");
    float[] before;
    Map<String, float[]> tensors = new LinkedHashMap<>();
    float[] table;
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        ClassificationHead head = PLoraFixtures.head(m);
        PLoraModel plora =
            PLoraModel.create(
                bert, PLoraFixtures.config(0.1, 0.2).toBuilder().optMim(0.5).build(), 1, m)) {
      PLoraFixtures.randomize(plora, 5);
      SplittableRandom r = new SplittableRandom(4);
      plora.users().put("u1", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.users().put("u-2@x", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.setBaseModelFingerprint(FP);
      before =
          PLoraFixtures.logits(
              PLoraFixtures.objective(bert, head, plora, PLoraObjective.fromTable(plora, userOf)),
              examples,
              m);
      plora.sharedParameters().forEach((k, v) -> tensors.put(k, v.toFloatArray()));
      table = plora.users().values();
      plora.save(dir, head.parameters());
    }
    assertThat(dir.resolve("adapter_config.json")).exists();
    assertThat(dir.resolve(PLoraFiles.CONFIG_FILE)).exists();
    String cfg = Files.readString(dir.resolve(PLoraFiles.CONFIG_FILE));
    assertThat(cfg).contains("\"format_version\" : 1", "\"user_dim\" : 6", "\"p_rate\" : 0.2");
    assertThat(cfg).contains("\"mim\" : 0.5", "\"user_key\" : \"lora_P\"", FP);
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      assertThat(st.names())
          .contains(
              "base_model.model.encoder.layer.0.attention.self.query.lora_A.weight",
              "base_model.model.encoder.layer.0.attention.self.query.lora_B.weight",
              "base_model.model.encoder.layer.0.attention.self.query.lora_P.weight",
              "base_model.model.classifier.weight",
              "base_model.model.classifier.bias")
          .hasSize(4 * 3 + 2);
      assertThat(st.metadata()).containsEntry("persona4j.base_model_fingerprint", FP);
    }
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        PLoraModel loaded = PLoraModel.load(bert, dir, 7, m);
        ClassificationHead head = ClassificationHead.of(loaded.modulesToSave(), m)) {
      assertThat(loaded.config().pRate()).isEqualTo(0.2);
      assertThat(loaded.config().mim()).isEqualTo(0.5);
      assertThat(loaded.config().lora().r()).isEqualTo(4);
      assertThat(loaded.baseModelFingerprint()).isEqualTo(FP);
      assertThat(loaded.users().ids()).containsExactly("u1", "u-2@x");
      assertThat(loaded.users().values()).isEqualTo(table);
      loaded
          .sharedParameters()
          .forEach((k, v) -> assertThat(v.toFloatArray()).as(k).isEqualTo(tensors.get(k)));
      float[] after =
          PLoraFixtures.logits(
              PLoraFixtures.objective(bert, head, loaded, PLoraObjective.fromTable(loaded, userOf)),
              examples,
              m);
      assertThat(after).isEqualTo(before);
    }
  }

  @Test
  void damagedDirectoriesAreRefusedNamingFileAndField(@TempDir Path root) throws Exception {
    Path good = root.resolve("good");
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        ClassificationHead head = PLoraFixtures.head(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0.1, 0.1), 1, m)) {
      plora.users().put("u1", new float[PLoraFixtures.USER_DIM]);
      plora.save(good, head.parameters());
      // The plain LoRA loader refuses a PLoRA directory, naming the P tensor.
      try (LoraModel lora = LoraModel.of(PLoraFixtures.bert(m), m)) {
        assertThatThrownBy(() -> lora.load(good, "x"))
            .isInstanceOf(ModelFormatException.class)
            .hasMessageContaining("lora_P");
      }
    }
    assertThat(
            refusal(
                root,
                good,
                "version",
                d ->
                    replace(
                        d.resolve(PLoraFiles.CONFIG_FILE),
                        "\"format_version\" : 1",
                        "\"format_version\" : 9")))
        .contains(PLoraFiles.CONFIG_FILE, "format_version", "9");
    assertThat(
            refusal(
                root,
                good,
                "field",
                d -> replace(d.resolve(PLoraFiles.CONFIG_FILE), "\"mim\"", "\"mimm\"")))
        .contains(PLoraFiles.CONFIG_FILE, "mimm");
    assertThat(
            refusal(
                root,
                good,
                "count",
                d -> replace(d.resolve(PLoraFiles.USERS_FILE), "\"u1\"", "\"u1\", \"u2\"")))
        .contains(PLoraFiles.USERS_WEIGHTS_FILE, "[2, 6]");
    assertThat(
            refusal(
                root,
                good,
                "dim",
                d ->
                    replace(
                        d.resolve(PLoraFiles.CONFIG_FILE), "\"user_dim\" : 6", "\"user_dim\" : 5")))
        .contains("lora_P.weight", "[4, 5]");
    assertThat(refusal(root, good, "ids", d -> Files.delete(d.resolve(PLoraFiles.USERS_FILE))))
        .contains(PLoraFiles.USERS_FILE);
    assertThat(
            refusal(
                root,
                good,
                "tensor",
                d -> {
                  Path f = d.resolve(PeftAdapterFiles.WEIGHTS_FILE);
                  Map<String, HostTensor> t = new LinkedHashMap<>();
                  Map<String, String> meta;
                  try (SafetensorsFile st = SafetensorsFile.open(f)) {
                    meta = st.metadata();
                    for (String n : st.names()) {
                      float[] v = st.floats(n);
                      if (n.endsWith("layer.1.attention.self.value.lora_B.weight")) {
                        v[0] += 1f; // changed after the config recorded the fingerprint
                      }
                      t.put(n, HostTensor.f32(st.info(n).shape(), v));
                    }
                  }
                  SafetensorsWriter.write(f, t, meta);
                }))
        .contains("adapter_fingerprint");
  }

  @Test
  void userVectorEntryRoundTripsAndIsChecked(@TempDir Path dir) throws Exception {
    float[] v = PLoraFixtures.uniform(new SplittableRandom(1), 8);
    UserVectorFile e = new UserVectorFile("alice", v, FP, "sha256:" + "cd".repeat(32));
    e.write(dir);
    UserVectorFile back = UserVectorFile.read(dir);
    assertThat(back).isEqualTo(e);
    assertThat(back.vector()).isEqualTo(v);
    assertThat(Files.size(dir.resolve(UserVectorFile.FILE_NAME))).isLessThan(1000);
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(UserVectorFile.FILE_NAME))) {
      assertThat(st.metadata())
          .containsEntry("persona4j.base_model_fingerprint", FP)
          .containsEntry("persona4j.user_id", "alice");
    }
    assertThatThrownBy(() -> new UserVectorFile("al ice", v, FP, FP))
        .hasMessageContaining("index 2");
    assertThatThrownBy(() -> new UserVectorFile("a", new float[] {Float.NaN}, FP, FP))
        .hasMessageContaining("NaN");
    Path other = dir.resolve("x.safetensors");
    SafetensorsWriter.write(
        other,
        Map.of("user_vector", HostTensor.f32(new long[] {2}, new float[2])),
        Map.of("persona4j.format_version", "1"));
    assertThatThrownBy(() -> UserVectorFile.read(other)).hasMessageContaining("persona4j.kind");
  }

  interface Damage {
    void apply(Path dir) throws Exception;
  }

  static String refusal(Path root, Path good, String name, Damage damage) throws Exception {
    Path d = root.resolve(name);
    Files.createDirectories(d);
    try (var files = Files.list(good)) {
      for (Path f : files.toList()) {
        Files.copy(f, d.resolve(f.getFileName()));
      }
    }
    damage.apply(d);
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m)) {
      Map<String, float[]> weights = new LinkedHashMap<>();
      bert.linears().forEach((k, l) -> weights.put(k, l.weight().toFloatArray()));
      try {
        PLoraModel.load(bert, d, 1, m).close();
      } catch (Exception e) {
        // nothing changed in the model
        bert.linears()
            .forEach(
                (k, l) -> {
                  assertThat(l.getClass()).isEqualTo(io.persona4j.core.model.Linear.class);
                  assertThat(l.weight().toFloatArray()).isEqualTo(weights.get(k));
                });
        return e.getMessage();
      }
    }
    throw new AssertionError(name + ": the damaged directory was accepted");
  }

  static void replace(Path file, String from, String to) throws Exception {
    String s = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(s).contains(from);
    Files.writeString(file, s.replace(from, to), StandardCharsets.UTF_8);
  }
}
