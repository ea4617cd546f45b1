/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.plora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.PeftAdapterFiles;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.SafetensorsFile;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Few-shot enrolment fits only the new user's vector: every other tensor in memory and every other
 * byte on disk is unchanged (the shared files identical, the user table's old rows identical, one
 * row and one id added), and the new user's predictions move from the zero-shot answer toward its
 * labels. A user with a single example works.
 */
class FewShotEnrolmentTest {
  @Test
  void fitsOnlyTheNewUsersVector(@TempDir Path root) throws Exception {
    Path before = root.resolve("before");
    Path after = root.resolve("after");
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = PLoraFixtures.bert(m);
        ClassificationHead head = PLoraFixtures.head(m);
        PLoraModel plora = PLoraModel.create(bert, PLoraFixtures.config(0.1, 0.1), 1, m)) {
      PLoraFixtures.randomize(plora, 5);
      SplittableRandom r = new SplittableRandom(2);
      plora.users().put("u1", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.users().put("u2", PLoraFixtures.uniform(r, PLoraFixtures.USER_DIM));
      plora.save(before, head.parameters());
      Map<String, float[]> memory = snapshot(plora, head);

      // The new user labels everything class 2.
      List<Example> shots = new ArrayList<>();
      for (Example e : PLoraFixtures.examples(4, 9)) {
        shots.add(Example.classification(e.ids(), 2));
      }
      PLoraObjective zeroShot = PLoraFixtures.objective(bert, head, plora, PLoraObjective.none());
      float[] z0 = PLoraFixtures.logits(zeroShot, shots, m);
      FewShotEnrolment.Result res =
          FewShotEnrolment.fit(
              plora,
              (ids, mask) -> bert.forward(ids, mask, null),
              Pooling.MEAN,
              head,
              shots,
              FewShotEnrolment.Config.builder().optSteps(40).optLearningRate(0.05).build());
      assertThat(res.steps()).isEqualTo(40);
      assertThat(res.examples()).isEqualTo(4);
      assertThat(res.finalLoss()).isLessThan(res.firstLoss());
      assertSame(snapshot(plora, head), memory);
      assertThat(plora.training()).isFalse();

      plora.users().put("carol", res.vector());
      Map<Example, String> userOf = new IdentityHashMap<>();
      shots.forEach(e -> userOf.put(e, "carol"));
      float[] z1 =
          PLoraFixtures.logits(
              PLoraFixtures.objective(bert, head, plora, PLoraObjective.fromTable(plora, userOf)),
              shots,
              m);
      assertThat(z1).isNotEqualTo(z0);
      assertThat(meanProbability(z1, 2)).isGreaterThan(meanProbability(z0, 2));
      plora.save(after, head.parameters());

      // one example is enough to run
      FewShotEnrolment.Result one =
          FewShotEnrolment.fit(
              plora,
              (ids, mask) -> bert.forward(ids, mask, null),
              Pooling.MEAN,
              head,
              shots.subList(0, 1),
              FewShotEnrolment.Config.builder().optSteps(2).build());
      assertThat(one.examples()).isEqualTo(1);
      assertThatThrownBy(
              () ->
                  FewShotEnrolment.fit(
                      plora,
                      (ids, mask) -> bert.forward(ids, mask, null),
                      Pooling.MEAN,
                      head,
                      List.of(),
                      FewShotEnrolment.Config.builder().build()))
          .hasMessageContaining("at least one example");
    }
    for (String f :
        List.of(PeftAdapterFiles.WEIGHTS_FILE, "adapter_config.json", PLoraFiles.CONFIG_FILE)) {
      assertThat(Files.readAllBytes(after.resolve(f)))
          .as(f)
          .isEqualTo(Files.readAllBytes(before.resolve(f)));
    }
    assertThat(Files.readString(after.resolve(PLoraFiles.USERS_FILE)))
        .isEqualTo(
            Files.readString(before.resolve(PLoraFiles.USERS_FILE))
                .replace("\"u2\" ]", "\"u2\", \"carol\" ]"));
    float[] oldRows;
    float[] newRows;
    try (SafetensorsFile a = SafetensorsFile.open(before.resolve(PLoraFiles.USERS_WEIGHTS_FILE));
        SafetensorsFile b = SafetensorsFile.open(after.resolve(PLoraFiles.USERS_WEIGHTS_FILE))) {
      oldRows = a.floats(PLoraFiles.USERS_TENSOR);
      newRows = b.floats(PLoraFiles.USERS_TENSOR);
      assertThat(b.metadata()).isEqualTo(a.metadata());
    }
    assertThat(newRows).hasSize(oldRows.length + PLoraFixtures.USER_DIM);
    assertThat(Arrays.copyOf(newRows, oldRows.length)).isEqualTo(oldRows);
    assertThat(Arrays.copyOfRange(newRows, oldRows.length, newRows.length))
        .isNotEqualTo(new float[PLoraFixtures.USER_DIM]);
  }

  static Map<String, float[]> snapshot(PLoraModel plora, ClassificationHead head) {
    Map<String, float[]> s = new LinkedHashMap<>();
    plora.trainableParameters().forEach((k, v) -> s.put(k, v.toFloatArray()));
    head.parameters().forEach((k, v) -> s.put(k, v.toFloatArray()));
    plora.model().linears().forEach((k, v) -> s.put("base " + k, v.weight().toFloatArray()));
    return s;
  }

  /** Same keys and, for every key, the same bits (nothing else changed in memory). */
  static void assertSame(Map<String, float[]> now, Map<String, float[]> before) {
    assertThat(now.keySet()).isEqualTo(before.keySet());
    for (String k : before.keySet()) {
      assertThat(Arrays.equals(now.get(k), before.get(k))).as("%s unchanged", k).isTrue();
    }
  }

  static double meanProbability(float[] logits, int cls) {
    int c = PLoraFixtures.CLASSES;
    double sum = 0;
    for (int i = 0; i < logits.length / c; i++) {
      double z = 0;
      for (int k = 0; k < c; k++) {
        z += Math.exp(logits[i * c + k]);
      }
      sum += Math.exp(logits[i * c + cls]) / z;
    }
    return sum / (logits.length / c);
  }
}
