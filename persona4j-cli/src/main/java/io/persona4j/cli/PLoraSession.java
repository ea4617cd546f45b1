/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.plora.PLoraFiles;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.adapters.plora.UserVectorFile;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Encoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A BERT encoder with a PLoRA adapter directory loaded: the model, its tokenizer, the adapter (user
 * table included), the head and the label names; what {@code classify} and {@code plora enrol}
 * share.
 */
final class PLoraSession implements AutoCloseable {
  final NDManager manager;
  final BertModel bert;
  final Tokenizer tokenizer;
  final PLoraModel plora;
  final ClassificationHead head;
  final ClassLabels labels;
  final String adapterFingerprint;

  private PLoraSession(
      NDManager manager,
      BertModel bert,
      Tokenizer tokenizer,
      PLoraModel plora,
      ClassificationHead head,
      ClassLabels labels) {
    this.manager = manager;
    this.bert = bert;
    this.tokenizer = tokenizer;
    this.plora = plora;
    this.head = head;
    this.labels = labels;
    this.adapterFingerprint = PLoraFiles.adapterFingerprint(plora, head.parameters());
  }

  /** Loads {@code model} and the PLoRA adapter {@code adapter} (with its classifier.json). */
  static PLoraSession open(Path model, Path adapter, long seed) throws IOException {
    ClassLabels labels = ClassLabels.read(adapter);
    NDManager m = TensorRuntime.newManager();
    BertModel bert = null;
    Tokenizer tok = null;
    PLoraModel plora = null;
    try {
      bert = BertModel.load(model, m);
      tok = Tokenizer.fromDirectory(model);
      plora = PLoraModel.load(bert, adapter, seed, m);
      ClassificationHead head = ClassificationHead.of(plora.modulesToSave(), m);
      if (head.classes() != labels.size()) {
        throw new IllegalArgumentException(
            adapter
                + ": the head has "
                + head.classes()
                + " classes but "
                + ClassLabels.FILE
                + " lists "
                + labels.size());
      }
      return new PLoraSession(m, bert, tok, plora, head, labels);
    } catch (IOException | RuntimeException e) {
      if (plora != null) {
        plora.close();
      }
      if (tok != null) {
        tok.close();
      }
      if (bert != null) {
        bert.close();
      }
      m.close();
      throw e;
    }
  }

  Encoder encoder() {
    return (ids, mask) -> bert.forward(ids, mask, null);
  }

  /**
   * The vector of a user vector entry, checked against this adapter (the fingerprint of the shared
   * tensors it was fitted to) and its width.
   */
  float[] vectorOf(UserVectorFile entry, Path where) {
    if (!entry.adapterFingerprint().equals(adapterFingerprint)) {
      throw new IllegalArgumentException(
          where
              + ": user '"
              + entry.userId()
              + "' was fitted to PLoRA adapter "
              + entry.adapterFingerprint()
              + ", not to this one ("
              + adapterFingerprint
              + ")");
    }
    if (entry.vector().length != plora.config().userDim()) {
      throw new IllegalArgumentException(
          where
              + ": vector of "
              + entry.vector().length
              + " values, the adapter's d_u is "
              + plora.config().userDim());
    }
    return entry.vector();
  }

  /** Class probabilities of one text with the user vector {@code v} (null: zero-shot). */
  float[] probabilities(String text, float[] v) {
    long[] ids = tokenizer.encode(text, true);
    int max = bert.config().maxPositionEmbeddings();
    long[] used = ids.length > max ? Arrays.copyOf(ids, max) : ids;
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.create(used, new Shape(1, used.length)); // [1, T]
      NDArray mask = m.ones(new Shape(1, used.length), DataType.INT64); // [1, T]
      NDArray users = v == null ? null : m.create(v, new Shape(1, v.length)); // [1, d_u]
      try (PLoraModel.Scope ignored = plora.condition(users)) {
        NDArray hidden = bert.forward(x, mask, null); // [1, T, H]
        return head.forward(labels.pooling().pool(hidden, mask)).softmax(-1).toFloatArray();
      }
    }
  }

  @Override
  public void close() {
    plora.close();
    tokenizer.close();
    bert.close();
    manager.close();
  }
}
