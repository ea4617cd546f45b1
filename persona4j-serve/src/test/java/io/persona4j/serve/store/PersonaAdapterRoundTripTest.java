/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An adapter saved by Persona4j's own {@link LoraModel} goes through the store and loads back into
 * the model from what {@code get} writes, computing the same logits: what a server does.
 */
class PersonaAdapterRoundTripTest {
  @TempDir Path tmp;

  @Test
  void aSavedLoraAdapterServesTheSameLogitsAfterTheStore() throws Exception {
    Path baseDir = TestAdapters.llamaBase(tmp.resolve("base"), 21);
    BaseModel base = BaseModel.of(baseDir);
    Path saved = tmp.resolve("adapter");
    float[] expected;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(baseDir, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      lora.add(
          "personal",
          LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build(),
          3);
      SplittableRandom r = new SplittableRandom(5);
      for (LoraUnit u : lora.units("personal").values()) {
        try (NDManager s = u.a().getManager().newSubManager()) {
          u.assign(uniform(s, r, u.a().getShape()), uniform(s, r, u.b().getShape()));
        }
      }
      lora.save("personal", saved);
      expected = logits(lm, m);
    }
    assertThat(Files.readString(saved.resolve("adapter_config.json"), StandardCharsets.UTF_8))
        .contains(base.fingerprint()); // LoraModel records the base it was trained on

    Path out;
    try (AdapterStore store = AdapterStore.open("jdbc:sqlite:" + tmp.resolve("s.db"))) {
      PublishResult p =
          store.publish(
              PublishRequest.builder()
                  .setUserId("alice")
                  .setDirectory(saved)
                  .setBaseModel(base)
                  .build());
      assertThat(p.entry().kind()).isEqualTo(AdapterKind.LORA);
      assertThat(p.entry().lora().rank()).isEqualTo(4);
      assertThat(p.entry().baseModelCheck()).isEqualTo(BaseModelCheck.FINGERPRINT);
      out =
          store
              .readActive("alice", AdapterKind.LORA)
              .orElseThrow()
              .payload()
              .writeTo(tmp.resolve("out"));
    }
    AdapterStoreContract.assertSameTree(saved, out);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(baseDir, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      float[] base0 = logits(lm, m);
      lora.load(out, "personal");
      float[] served = logits(lm, m);
      assertThat(served).containsExactly(expected);
      assertThat(served).isNotEqualTo(base0);
    }
  }

  private static float[] logits(LlamaModel lm, NDManager m) {
    try (NDManager s = m.newSubManager()) {
      NDArray ids = s.create(new long[] {1, 17, 42, 3, 59}, new Shape(1, 5));
      return lm.logits(ids, null).toFloatArray();
    }
  }

  private static NDArray uniform(NDManager m, SplittableRandom r, Shape shape) {
    float[] v = new float[(int) shape.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 0.6 - 0.3);
    }
    return m.create(v, shape);
  }
}
