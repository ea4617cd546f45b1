/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.classify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.MultiLora;
import io.persona4j.adapters.lora.ServingAdapter;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.ClassifierHead;
import io.persona4j.serve.adapter.Personalization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code /v1/classify} on an encoder: each user's LoRA and head (trained by {@code persona4j train}
 * on {@code {"text","label"}} rows). The texts of one request run as batches of up to {@code
 * maxRows} rows through {@link MultiLora} (every row with the user's factors), then the user's
 * head. Requests run one after another on one thread.
 *
 * <p>Where later personalizations plug in: a PLoRA user vector conditions the same LoRA modules (a
 * further {@link Personalization} part read by the row factors), and a SecFPP user prompt is
 * prepended through {@link BertModel#forwardEmbeddings} before the encoder; the head and labels
 * stay as here.
 */
public final class ClassifierService implements AutoCloseable {
  /** One text's answer. */
  public record Result(
      String label, List<String> labels, float[] probabilities, boolean truncated) {}

  private final BertModel bert;
  private final Tokenizer tokenizer;
  private final MultiLora lora;
  private final NDManager manager;
  private final ExecutorService worker;
  private final int maxTokens;

  private ClassifierService(
      BertModel bert, Tokenizer tokenizer, MultiLora lora, NDManager manager) {
    this.bert = bert;
    this.tokenizer = tokenizer;
    this.lora = lora;
    this.manager = manager;
    this.maxTokens = bert.config().maxPositionEmbeddings();
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "persona4j-classifier");
              t.setDaemon(true);
              return t;
            });
  }

  /** Serves {@code bert} (loaded from {@code dir}) with up to {@code maxRows} texts per pass. */
  public static ClassifierService open(Path dir, BertModel bert, int maxRows, NDManager parent)
      throws IOException {
    Tokenizer tok = Tokenizer.fromDirectory(dir);
    NDManager m = parent.newSubManager();
    try {
      return new ClassifierService(bert, tok, MultiLora.install(bert, maxRows, m), m);
    } catch (RuntimeException e) {
      m.close();
      tok.close();
      throw e;
    }
  }

  /**
   * Loads a user's classification adapter (LoRA + {@code classifier} head + {@value
   * ClassifierHead#FILE}).
   *
   * @throws IOException if it is not a classification adapter or does not fit the encoder
   */
  public Personalization load(AdapterRef ref, Path dir) throws IOException {
    ServingAdapter sa = ServingAdapter.load(bert, dir, ref.label(), manager);
    try {
      ClassifierHead head = ClassifierHead.read(dir, sa.modulesToSave(), manager);
      if (head == null) {
        throw new IOException(
            "adapter "
                + ref.label()
                + " has no "
                + ClassifierHead.FILE
                + ": it is not a classification adapter (train one with persona4j train on an"
                + " encoder and {\"text\",\"label\"} rows)");
      }
      return new Personalization(ref, sa, head);
    } catch (IOException | RuntimeException e) {
      sa.close();
      throw e;
    }
  }

  /** Classifies {@code texts} with the user's personalization (which must have a head). */
  public List<Result> classify(List<String> texts, Personalization p)
      throws IOException, InterruptedException {
    if (p.classifier() == null) {
      throw new IllegalArgumentException(p.ref().label() + " has no classification head");
    }
    Future<List<Result>> f = worker.submit(() -> run(texts, p));
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    } catch (InterruptedException e) {
      f.cancel(true);
      throw e;
    }
  }

  private List<Result> run(List<String> texts, Personalization p) {
    List<Result> out = new ArrayList<>();
    int rows = lora.maxRows();
    for (int start = 0; start < texts.size(); start += rows) {
      out.addAll(batch(texts.subList(start, Math.min(texts.size(), start + rows)), p));
    }
    return out;
  }

  private List<Result> batch(List<String> texts, Personalization p) {
    TextBatch batch = TextBatch.of(tokenizer, texts, maxTokens);
    int b = batch.size();
    for (int i = 0; i < b; i++) {
      lora.assign(i, p.lora());
    }
    ClassifierHead head = p.classifier();
    float[] probs;
    lora.beginForward(0, b);
    try (NDManager m = manager.newSubManager()) {
      NDArray maskArr = batch.mask(m); // [B, T]
      NDArray hidden = bert.forward(batch.ids(m), maskArr, null); // [B, T, H]
      NDArray logits = head.logits(head.pooling().pool(hidden, maskArr)); // [B, C]
      probs = logits.softmax(-1).toFloatArray();
    } finally {
      lora.endForward();
    }
    return batch.results(probs, head.labels());
  }

  public BertModel model() {
    return bert;
  }

  @Override
  public void close() {
    worker.shutdownNow();
    lora.close();
    manager.close();
    tokenizer.close();
  }
}
