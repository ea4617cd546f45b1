/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.onnx.BertOnnxImporter;
import io.persona4j.core.onnx.MiniLm;
import io.persona4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCliTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static double cosine(float[] a, float[] b) {
    double d = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      d += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return d / Math.sqrt(na * nb);
  }

  @Test
  void convertedMiniLmEmbedsLikeTheOnnxImportAndKnowsMeaning(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("minilm");
    CliTest.Run conv =
        CliTest.run(
            "model",
            "convert-onnx",
            "--onnx",
            MiniLm.onnx().toString(),
            "--tokenizer",
            MiniLm.tokenizerJson().toString(),
            "--out",
            dir.toString());
    assertThat(conv.code()).as(conv.err()).isZero();
    assertThat(dir.resolve("model.safetensors")).exists();

    String[] texts = {
      "A man is eating food.",
      "A man is eating a piece of bread.",
      "The stock market fell sharply today."
    };
    CliTest.Run r =
        CliTest.run(
            "embed",
            "--model",
            dir.toString(),
            "--normalize",
            "--text",
            texts[0],
            "--text",
            texts[1],
            "--text",
            texts[2]);
    assertThat(r.code()).as(r.err()).isZero();
    float[][] e = JSON.readValue(r.out(), float[][].class);
    assertThat(e).hasNumberOfRows(3);
    assertThat(e[0]).hasSize(384);
    assertThat(cosine(e[0], e[1])).isGreaterThan(cosine(e[0], e[2]) + 0.3);

    try (NDManager m = TensorRuntime.newManager();
        BertModel direct =
            BertModel.load(
                BertOnnxImporter.open(MiniLm.onnx()).config(),
                BertOnnxImporter.open(MiniLm.onnx()),
                m);
        Tokenizer tok = Tokenizer.load(MiniLm.tokenizerJson())) {
      float[][] ref = direct.embed(tok, List.of(texts), 512, 8, true);
      for (int i = 0; i < 3; i++) {
        assertThat(e[i]).containsExactly(ref[i]);
      }
    }
    CliTest.Run single = CliTest.run("embed", "--model", dir.toString(), "--text", texts[0]);
    assertThat(JSON.readValue(single.out(), float[].class)).hasSize(384);
  }
}
