/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a BERT encoder's ONNX export into a normal Hugging Face model directory: {@code
 * config.json}, {@code model.safetensors} (F32, Hugging Face names and {@code [out, in]} layouts)
 * and {@code tokenizer.json}, which {@code BertModel.load(Path, NDManager)} and the {@code
 * transformers} library read.
 */
public final class BertOnnxConverter {
  /** File name of the tokenizer in a Hugging Face directory. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private BertOnnxConverter() {}

  /**
   * Converts with the default head fallback (see {@link BertOnnxImporter}).
   *
   * @param onnx the ONNX export
   * @param tokenizerJson the model's Hugging Face {@code tokenizer.json}
   * @param outDir created if needed; existing files of the same names are replaced
   * @return the importer that was used (its config is what config.json holds)
   */
  public static BertOnnxImporter convert(Path onnx, Path tokenizerJson, Path outDir)
      throws IOException {
    return convert(BertOnnxImporter.open(onnx), tokenizerJson, outDir);
  }

  /** Writes the importer's config and every weight it names, plus the tokenizer, to outDir. */
  public static BertOnnxImporter convert(BertOnnxImporter importer, Path tokenizerJson, Path outDir)
      throws IOException {
    checkTokenizer(tokenizerJson);
    Files.createDirectories(outDir);
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    for (String name : importer.names()) {
      long[] shape = importer.shape(name).getShape();
      tensors.put(name, HostTensor.f32(shape, importer.floats(name)));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("source", importer.describe());
    SafetensorsWriter.write(outDir.resolve(Checkpoint.SINGLE_FILE), tensors, metadata);
    ModelConfigs.save(importer.config(), outDir);
    AtomicFiles.write(outDir.resolve(TOKENIZER_FILE), Files.readAllBytes(tokenizerJson));
    return importer;
  }

  /** A tokenizer.json must at least be a JSON object with a {@code model} section. */
  private static void checkTokenizer(Path file) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not a readable tokenizer.json: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject() || !root.has("model")) {
      throw new IOException(file + ": not a Hugging Face tokenizer.json (no 'model' section)");
    }
  }
}
