/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Pooling;
import io.persona4j.serve.adapter.InMemoryUserAdapters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/classify} on an encoder: each user's LoRA and head give the labels and probabilities
 * that the adapter gives alone through {@link LoraModel} (as {@code persona4j classify} computes
 * them, one text at a time), to 1e-5, although the server batches texts of different lengths.
 */
class ClassifyTest {
  @TempDir Path dir;

  static Path classifier(Path model, long seed, List<String> labels, Path out) throws Exception {
    LoraConfig cfg =
        LoraConfig.builder()
            .optR(4)
            .optAlpha(8)
            .optTargets("query", "value")
            .optTaskType("SEQ_CLS")
            .optModulesToSave("classifier")
            .build();
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        LoraModel lora = LoraModel.of(bert, m);
        ClassificationHead head =
            ClassificationHead.create(bert.config().hiddenSize(), labels.size(), 0.5f, seed, m)) {
      lora.add("a", cfg, seed);
      SplittableRandom r = new SplittableRandom(seed);
      for (LoraUnit u : lora.units("a").values()) {
        try (NDManager tmp = m.newSubManager()) {
          u.assign(rand(tmp, r, u.a()), rand(tmp, r, u.b()));
        }
      }
      lora.save("a", out, head.parameters());
    }
    Files.writeString(
        out.resolve("classifier.json"),
        HttpTestClient.JSON.writeValueAsString(
            Map.of("format_version", 1, "pooling", "mean", "labels", labels)));
    return out;
  }

  static NDArray rand(NDManager m, SplittableRandom r, NDArray like) {
    float[] v = new float[Math.toIntExact(like.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (0.6 * r.nextDouble() - 0.3);
    }
    return m.create(v, like.getShape());
  }

  /** The probabilities {@code persona4j classify} computes: one text, the adapter via LoraModel. */
  static float[] alone(Path model, Path adapter, String text) throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = LoraModel.of(bert, m)) {
      var loaded = lora.load(adapter, "a");
      lora.activate("a");
      try (ClassificationHead head = ClassificationHead.of(loaded.modulesToSave(), m)) {
        long[] ids = tok.encode(text, true);
        NDArray x = m.create(ids, new Shape(1, ids.length));
        NDArray mask = m.ones(new Shape(1, ids.length), DataType.INT64);
        NDArray h = bert.forward(x, mask, null);
        return head.forward(Pooling.MEAN.pool(h, mask)).softmax(-1).toFloatArray();
      }
    }
  }

  @Test
  void eachUsersHeadAndLoraClassifyAsTheAdapterDoesAlone() throws Exception {
    BertConfig c = ModelInit.encoderConfig(2, 32, 4, 300, 0, 64);
    Path model = dir.resolve("enc");
    ModelInit.write(c, 3, 0.2f, DType.F32, model);
    Path alice = classifier(model, 1, List.of("no", "yes"), dir.resolve("alice"));
    Path bob = classifier(model, 2, List.of("sad", "calm", "glad"), dir.resolve("bob"));
    Path decoderLike = dir.resolve("plain");
    Files.createDirectories(decoderLike);
    for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
      Files.copy(alice.resolve(f), decoderLike.resolve(f));
    }
    InMemoryUserAdapters source = new InMemoryUserAdapters();
    source.publish("alice", alice);
    source.publish("bob", bob);
    source.publish("carol", decoderLike);
    List<String> texts = List.of("a b c", "hello there friend of mine", "z");
    try (PersonaServer server =
        PersonaServer.builder()
            .setModel(model)
            .setUserAdapters(source)
            .optPort(0)
            .optMaxBatch(2) // 3 texts: two passes
            .start()) {
      HttpTestClient http = new HttpTestClient(server.url());
      for (var e : Map.of("alice", alice, "bob", bob).entrySet()) {
        HttpTestClient.Response r =
            http.post("/v1/classify", Map.of("model", "enc", "user", e.getKey(), "input", texts));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("X-Persona4j-Adapter")).isEqualTo(e.getKey() + "@1");
        JsonNode data = r.json().path("data");
        assertThat(data).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
          float[] want = alone(model, e.getValue(), texts.get(i));
          JsonNode probs = data.get(i).path("probabilities");
          List<String> names = List.copyOf(iterable(probs.fieldNames()));
          assertThat(names).hasSize(want.length);
          int best = 0;
          for (int k = 0; k < want.length; k++) {
            assertThat(probs.get(names.get(k)).floatValue())
                .as("%s text %d class %s", e.getKey(), i, names.get(k))
                .isCloseTo(want[k], org.assertj.core.data.Offset.offset(1e-5f));
            best = want[k] > want[best] ? k : best;
          }
          assertThat(data.get(i).path("label").asText()).isEqualTo(names.get(best));
          assertThat(data.get(i).path("index").asInt()).isEqualTo(i);
        }
      }
      // A single string works too.
      assertThat(http.post("/v1/classify", Map.of("user", "bob", "input", "x")).json().path("data"))
          .hasSize(1);
      HttpTestClient.Response none =
          http.post("/v1/classify", Map.of("user", "dave", "input", "x"));
      assertThat(none.status()).isEqualTo(404);
      HttpTestClient.Response plain =
          http.post("/v1/classify", Map.of("user", "carol", "input", "x"));
      assertThat(plain.status()).isEqualTo(500);
      assertThat(plain.json().path("error").path("message").asText())
          .contains("not a classification adapter");
      HttpTestClient.Response noUser = http.post("/v1/classify", Map.of("input", "x"));
      assertThat(noUser.status()).isEqualTo(400);
      assertThat(noUser.json().path("error").path("param").asText()).isEqualTo("user");
      HttpTestClient.Response gen =
          http.post("/v1/completions", Map.of("model", "enc", "prompt", "x"));
      assertThat(gen.status()).isEqualTo(404);
    }
  }

  static <T> List<T> iterable(java.util.Iterator<T> it) {
    List<T> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
