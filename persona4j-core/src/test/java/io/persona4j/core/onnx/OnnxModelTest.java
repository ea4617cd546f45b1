/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import static io.persona4j.core.onnx.OnnxProto.constant;
import static io.persona4j.core.onnx.OnnxProto.floatTensor;
import static io.persona4j.core.onnx.OnnxProto.intAttribute;
import static io.persona4j.core.onnx.OnnxProto.longTensor;
import static io.persona4j.core.onnx.OnnxProto.model;
import static io.persona4j.core.onnx.OnnxProto.node;
import static io.persona4j.core.onnx.OnnxProto.valueInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protobuf reader on hand-written messages, and on truncated or foreign files. */
class OnnxModelTest {

  @Test
  void readsInitializersNodesAttributesAndGraphInputs() throws IOException {
    byte[] graph =
        new OnnxProto()
            .message(1, constant("shape", 0, 0, 12, 32))
            .message(1, node("MatMul", List.of("x", "w"), List.of("mm")))
            .message(1, node("Transpose", List.of("mm"), List.of("t"), intAttribute("axis", -1)))
            .string(2, "g")
            .message(5, floatTensor("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6))
            .message(
                5,
                new OnnxProto()
                    .packedInt64(1, 3)
                    .int64(2, OnnxTensor.FLOAT)
                    .packedFloat(4, 0.5f, -1f, 2f)
                    .string(8, "b")
                    .done())
            .message(5, longTensor("ids", new long[] {1, 4}, 0, 1, 2, 3))
            .message(11, valueInfo("x"))
            .message(11, valueInfo("w")) // IR < 4 style: initializers listed as inputs too
            .message(12, valueInfo("t"))
            .done();
    OnnxModel m = OnnxModel.parse(model(graph), "tiny.onnx");
    assertThat(m.irVersion()).isEqualTo(7);
    assertThat(m.producer()).isEqualTo("test 1.0");
    assertThat(m.opsetVersion()).isEqualTo(14);
    assertThat(m.inputs()).containsExactly("x");
    assertThat(m.outputs()).containsExactly("t");
    assertThat(m.initializers().keySet()).containsExactly("w", "b", "ids");
    assertThat(m.initializers().get("w").dims()).containsExactly(2, 3);
    assertThat(m.initializers().get("w").floats()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(m.initializers().get("b").floats()).containsExactly(0.5f, -1f, 2f);
    assertThat(m.initializers().get("ids").longs()).containsExactly(0, 1, 2, 3);
    assertThat(m.nodes())
        .extracting(OnnxNode::opType)
        .containsExactly("Constant", "MatMul", "Transpose");
    assertThat(m.producer("mm").orElseThrow().inputs()).containsExactly("x", "w");
    assertThat(m.consumers("mm")).extracting(OnnxNode::opType).containsExactly("Transpose");
    assertThat(m.consumers("mm").get(0).intAttribute("axis", 0)).isEqualTo(-1);
    assertThat(m.constant("shape").orElseThrow().longs()).containsExactly(0, 0, 12, 32);
    assertThat(m.constant("w")).isPresent();
    assertThat(m.constant("mm")).isEmpty();
  }

  @Test
  void rawDataOfTheWrongSizeNamesTheFileAndTensor() {
    byte[] bad =
        new OnnxProto()
            .packedInt64(1, 2, 3)
            .int64(2, OnnxTensor.FLOAT)
            .string(8, "encoder.w")
            .bytes(9, new byte[20])
            .done();
    byte[] file = model(new OnnxProto().message(5, bad).done());
    assertThatThrownBy(() -> OnnxModel.parse(file, "bad.onnx"))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "bad.onnx: initializer #0 'encoder.w': tensor 'encoder.w' [2, 3] has 20 bytes of"
                + " raw_data, expected 6 x 4 = 24");
  }

  @Test
  void typedDataOfTheWrongLengthAndNegativeDimsAreRejected() {
    byte[] shortFloats =
        new OnnxProto()
            .packedInt64(1, 4)
            .int64(2, OnnxTensor.FLOAT)
            .string(8, "f")
            .packedFloat(4, 1f, 2f)
            .done();
    assertThatThrownBy(
            () -> OnnxModel.parse(model(new OnnxProto().message(5, shortFloats).done()), "a.onnx"))
        .hasMessageContaining("a.onnx: initializer #0 'f'")
        .hasMessageContaining("has 2 float_data values, expected 4");
    byte[] negative = longTensor("n", new long[] {-1}, 1);
    assertThatThrownBy(
            () -> OnnxModel.parse(model(new OnnxProto().message(5, negative).done()), "b.onnx"))
        .hasMessageContaining("b.onnx: initializer #0 'n'")
        .hasMessageContaining("negative dimension");
  }

  @Test
  void truncatedExportFailsWithAnIoExceptionNamingTheFile(@TempDir Path dir) throws IOException {
    Path full = MiniLm.onnx();
    long size = Files.size(full);
    for (long cut : new long[] {3, 40, 1_000_000, size / 2, size - 1}) {
      Path part = dir.resolve("cut-" + cut + ".onnx");
      try (FileChannel in = FileChannel.open(full);
          FileChannel out =
              FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long done = 0;
        while (done < cut) {
          done += in.transferTo(done, cut - done, out);
        }
      }
      assertThatThrownBy(() -> OnnxModel.read(part))
          .as("cut at %d", cut)
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(part.toString() + ": ")
          .message()
          .containsAnyOf("truncated", "no graph");
      assertThatThrownBy(() -> BertOnnxImporter.open(part))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(part.toString());
      Files.delete(part);
    }
  }

  @Test
  void filesThatAreNotOnnxAreRejected(@TempDir Path dir) throws IOException {
    Path text = dir.resolve("notes.onnx");
    Files.writeString(
        text, "this is not a protobuf message, just some text\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> OnnxModel.read(text))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(text + ": ");
    Path empty = dir.resolve("empty.onnx");
    Files.write(empty, new byte[0]);
    assertThatThrownBy(() -> OnnxModel.read(empty)).hasMessageContaining("no graph");
  }

  @Test
  void aGraphWithoutBertWeightsIsNotImported() throws IOException {
    byte[] graph = new OnnxProto().message(5, floatTensor("w", new long[] {2}, 1, 2)).done();
    OnnxModel m = OnnxModel.parse(model(graph), "other.onnx");
    assertThatThrownBy(() -> BertOnnxImporter.of(m, 12))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("other.onnx: not a BERT encoder export")
        .hasMessageContaining("embeddings.word_embeddings.weight");
  }
}
