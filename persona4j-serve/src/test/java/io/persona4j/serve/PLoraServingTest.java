/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.adapters.plora.PLoraConfig;
import io.persona4j.adapters.plora.PLoraLinear;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Pooling;
import io.persona4j.serve.adapter.StoreUserAdapters;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving one shared PLoRA adapter over HTTP with user vectors from the SQLite store: the merged
 * model with cached per-user biases classifies as the unmerged adapter does alone; a user without a
 * vector is served zero-shot; {@code POST /v1/users/{id}/examples} enrols a new user online, and
 * the next {@code /v1/classify} for that user changes from the zero-shot answer.
 */
class PLoraServingTest {
  @TempDir static Path dir;
  static Path model;
  static Path adapter;
  static final List<String> LABELS = List.of("no", "yes");

  @BeforeAll
  static void adapter() throws Exception {
    BertConfig c = ModelInit.encoderConfig(2, 32, 4, 300, 0, 64);
    model = dir.resolve("enc");
    ModelInit.write(c, 3, 0.2f, DType.F32, model);
    adapter = dir.resolve("plora");
    PLoraConfig config =
        PLoraConfig.builder().optR(4).optAlpha(8).optUserDim(8).optPRate(0.1).build();
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        PLoraModel plora = PLoraModel.create(bert, config, 1, m);
        ClassificationHead head =
            ClassificationHead.create(bert.config().hiddenSize(), 2, 0.1f, 5, m)) {
      SplittableRandom r = new SplittableRandom(3);
      for (PLoraLinear l : plora.layers().values()) {
        for (NDArray t : new NDArray[] {l.a(), l.b(), l.p()}) {
          try (NDManager tmp = m.newSubManager()) {
            t.set(new NDIndex("..."), tmp.create(uniform(r, (int) t.size()), t.getShape()));
          }
        }
      }
      plora.users().put("trained", uniform(r, 8));
      plora.setBaseModelFingerprint(ModelFingerprint.of(model));
      plora.save(adapter, head.parameters());
    }
    Files.writeString(
        adapter.resolve("classifier.json"),
        HttpTestClient.JSON.writeValueAsString(
            Map.of("format_version", 1, "pooling", "mean", "labels", LABELS)));
  }

  static float[] uniform(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (0.6 * r.nextDouble() - 0.3);
    }
    return v;
  }

  /** Probabilities of one text computed by the unmerged adapter alone with vector {@code v}. */
  static float[] alone(String text, float[] v) throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        PLoraModel plora = PLoraModel.load(bert, adapter, 0, m);
        ClassificationHead head = ClassificationHead.of(plora.modulesToSave(), m)) {
      long[] ids = tok.encode(text, true);
      NDArray x = m.create(ids, new Shape(1, ids.length));
      NDArray mask = m.ones(new Shape(1, ids.length), DataType.INT64);
      NDArray users = v == null ? null : m.create(v, new Shape(1, v.length));
      try (PLoraModel.Scope s = plora.condition(users)) {
        NDArray h = bert.forward(x, mask, null);
        return head.forward(Pooling.MEAN.pool(h, mask)).softmax(-1).toFloatArray();
      }
    }
  }

  static float[] probs(JsonNode row) {
    return new float[] {
      row.path("probabilities").path("no").floatValue(),
      row.path("probabilities").path("yes").floatValue()
    };
  }

  static Map<String, Object> classify(String user, Object input) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("model", "enc");
    if (user != null) {
      b.put("user", user);
    }
    b.put("input", input);
    return b;
  }

  @Test
  void enrolmentOverHttpChangesTheUsersAnswerFromZeroShot() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("store.db");
    List<String> texts = List.of("a b c", "hello there friend of mine");
    try (StoreUserAdapters users =
            new StoreUserAdapters(AdapterStore.open(url), AdapterKind.USER_VECTOR, true);
        PersonaServer server =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(users.withBaseModel(BaseModel.of(model)))
                .optPLora(adapter)
                .optEnrolment(
                    FewShotEnrolment.Config.builder().optSteps(30).optLearningRate(0.2).build())
                .optPort(0)
                .optMaxBatch(4)
                .start()) {
      HttpTestClient http = new HttpTestClient(server.url());
      // zero-shot: no user, and a user without a vector, get the shared path
      HttpTestClient.Response none = http.post("/v1/classify", classify(null, texts));
      assertThat(none.status()).as(none.body()).isEqualTo(200);
      assertThat(none.json().path("mode").asText()).isEqualTo("zero-shot");
      HttpTestClient.Response before = http.post("/v1/classify", classify("newbie", texts));
      assertThat(before.json().path("mode").asText()).isEqualTo("zero-shot");
      assertThat(before.json().path("user_vector").isNull()).isTrue();
      for (int i = 0; i < texts.size(); i++) {
        float[] want = alone(texts.get(i), null);
        float[] got = probs(before.json().path("data").get(i));
        assertThat(got[0]).isCloseTo(want[0], org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(probs(none.json().path("data").get(i))).isEqualTo(got);
      }
      // a user of the adapter's own table, served merged with its bias == unmerged alone
      HttpTestClient.Response trained = http.post("/v1/classify", classify("trained", texts));
      assertThat(trained.json().path("mode").asText()).isEqualTo("personalized");
      assertThat(trained.json().path("user_vector").asText()).isEqualTo("adapter table");
      float[] tv;
      try (NDManager m = TensorRuntime.newManager();
          BertModel bert = BertModel.load(model, m);
          PLoraModel p = PLoraModel.load(bert, adapter, 0, m)) {
        tv = p.users().vector("trained");
      }
      for (int i = 0; i < texts.size(); i++) {
        float[] want = alone(texts.get(i), tv);
        float[] got = probs(trained.json().path("data").get(i));
        assertThat(got[1]).isCloseTo(want[1], org.assertj.core.data.Offset.offset(1e-5f));
      }

      // online enrolment: every example gets the label zero-shot finds less likely
      double meanYes = 0;
      for (int i = 0; i < texts.size(); i++) {
        meanYes += probs(before.json().path("data").get(i))[1] / texts.size();
      }
      int target = meanYes < 0.5 ? 1 : 0;
      List<Map<String, Object>> examples = new ArrayList<>();
      for (String t : List.of("a b", "c d e", "hello", "friend of mine", "x y z", "there")) {
        examples.add(Map.of("text", t, "label", LABELS.get(target)));
      }
      HttpTestClient.Response enrol =
          http.post("/v1/users/newbie/examples", Map.of("examples", examples));
      assertThat(enrol.status()).as(enrol.body()).isEqualTo(201);
      assertThat(enrol.json().path("status").asText()).isEqualTo("live");
      assertThat(enrol.json().path("user_vector").asText()).isEqualTo("newbie@1");
      assertThat(enrol.json().path("examples").asInt()).isEqualTo(6);
      assertThat(enrol.json().path("loss_final").asDouble())
          .isLessThan(enrol.json().path("loss_first").asDouble());
      assertThat(users.active("newbie")).isPresent();

      HttpTestClient.Response after = http.post("/v1/classify", classify("newbie", texts));
      assertThat(after.status()).as(after.body()).isEqualTo(200);
      assertThat(after.json().path("mode").asText()).isEqualTo("personalized");
      assertThat(after.json().path("user_vector").asText()).isEqualTo("newbie@1");
      assertThat(after.header("X-Persona4j-Adapter")).isEqualTo("newbie@1");
      for (int i = 0; i < texts.size(); i++) {
        float[] b = probs(before.json().path("data").get(i));
        float[] a = probs(after.json().path("data").get(i));
        assertThat(a[target])
            .as("P(%s) of text %d after enrolment", LABELS.get(target), i)
            .isGreaterThan(b[target] + 1e-3f);
      }
      // other users are untouched
      HttpTestClient.Response trainedAgain = http.post("/v1/classify", classify("trained", texts));
      assertThat(trainedAgain.json().path("data")).isEqualTo(trained.json().path("data"));
    }
  }

  @Test
  void badEnrolmentsAreRefusedNamingTheField() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("store2.db");
    try (StoreUserAdapters users =
            new StoreUserAdapters(AdapterStore.open(url), AdapterKind.USER_VECTOR, true);
        PersonaServer server =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(users.withBaseModel(BaseModel.of(model)))
                .optPLora(adapter)
                .optPort(0)
                .start()) {
      HttpTestClient http = new HttpTestClient(server.url());
      HttpTestClient.Response badLabel =
          http.post(
              "/v1/users/u1/examples",
              Map.of("examples", List.of(Map.of("text", "a", "label", "maybe"))));
      assertThat(badLabel.status()).isEqualTo(400);
      assertThat(badLabel.body()).contains("examples[0].label", "maybe");
      HttpTestClient.Response extra =
          http.post(
              "/v1/users/u1/examples",
              Map.of("examples", List.of(Map.of("text", "a", "label", 1, "lable", 1))));
      assertThat(extra.status()).isEqualTo(400);
      assertThat(extra.body()).contains("lable");
      HttpTestClient.Response empty =
          http.post("/v1/users/u1/examples", Map.of("examples", List.of()));
      assertThat(empty.status()).isEqualTo(400);
      HttpTestClient.Response badId =
          http.post(
              "/v1/users/a%20b/examples",
              Map.of("examples", List.of(Map.of("text", "a", "label", 1))));
      assertThat(badId.status()).isEqualTo(400);
      HttpTestClient.Response steps =
          http.post(
              "/v1/users/u1/examples",
              Map.of("examples", List.of(Map.of("text", "a", "label", 1)), "steps", 100000));
      assertThat(steps.status()).isEqualTo(400);
      assertThat(steps.body()).contains("steps");
      assertThat(users.active("u1")).isEmpty();
    }
  }
}
