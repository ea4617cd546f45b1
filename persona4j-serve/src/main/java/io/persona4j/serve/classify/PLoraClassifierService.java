/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.classify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.adapters.plora.PLoraFiles;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.adapters.plora.UserVectorFile;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.Autograd;
import io.persona4j.core.train.Example;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.ClassifierHead;
import io.persona4j.serve.adapter.PLoraUser;
import io.persona4j.serve.adapter.Personalization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code /v1/classify} with one shared PLoRA adapter (trained by {@code persona4j train --method
 * plora}) for every user: {@code s B A} is merged into the encoder's weights once, and each user's
 * vector becomes, at load, one bias row per adapted layer ({@link PLoraUser}, {@code s B P p_u}),
 * so rows of different users run in one batch at the cost of one user. A user without a vector is
 * served zero-shot (no bias). Few-shot enrolment ({@link #enrol}) fits a new user's vector alone on
 * the same model (unmerged while it fits). Requests and enrolments run one after another on one
 * worker thread.
 */
public final class PLoraClassifierService implements AutoCloseable {
  /** One text and the user whose vector conditions it (null: zero-shot). */
  public record Row(String text, PLoraUser user) {}

  /** What an enrolment fitted. */
  public record Enrolled(UserVectorFile entry, FewShotEnrolment.Result fit) {}

  private final BertModel bert;
  private final Tokenizer tokenizer;
  private final PLoraModel plora;
  private final ClassifierHead head;
  private final NDManager manager;
  private final ExecutorService worker;
  private final int maxRows;
  private final int maxTokens;
  private final String adapterFingerprint;
  private final String baseFingerprint;

  private PLoraClassifierService(
      BertModel bert,
      Tokenizer tokenizer,
      PLoraModel plora,
      ClassifierHead head,
      NDManager manager,
      int maxRows,
      String baseFingerprint) {
    this.bert = bert;
    this.tokenizer = tokenizer;
    this.plora = plora;
    this.head = head;
    this.manager = manager;
    this.maxRows = maxRows;
    this.maxTokens = bert.config().maxPositionEmbeddings();
    this.adapterFingerprint = PLoraFiles.adapterFingerprint(plora, plora.modulesToSave());
    this.baseFingerprint = baseFingerprint;
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "persona4j-plora");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Serves the PLoRA adapter {@code ploraDir} (with its {@code classifier.json}) on {@code bert},
   * loaded from {@code modelDir} whose fingerprint is {@code baseFingerprint}.
   *
   * @throws IOException if the adapter does not fit the encoder, has no head or labels, or was
   *     trained on another base model
   */
  public static PLoraClassifierService open(
      Path modelDir,
      BertModel bert,
      Path ploraDir,
      String baseFingerprint,
      int maxRows,
      NDManager parent)
      throws IOException {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
    }
    NDManager m = parent.newSubManager();
    Tokenizer tok = null;
    PLoraModel plora = null;
    try {
      tok = Tokenizer.fromDirectory(modelDir);
      plora = PLoraModel.load(bert, ploraDir, 0, m);
      if (plora.baseModelFingerprint() != null
          && !plora.baseModelFingerprint().equals(baseFingerprint)) {
        throw new IOException(
            ploraDir
                + " was trained on base model "
                + plora.baseModelFingerprint()
                + ", not on the served "
                + baseFingerprint);
      }
      ClassifierHead head = ClassifierHead.read(ploraDir, plora.modulesToSave(), m);
      if (head == null) {
        throw new IOException(
            ploraDir + " has no " + ClassifierHead.FILE + " (train it with persona4j train)");
      }
      plora.merge();
      return new PLoraClassifierService(bert, tok, plora, head, m, maxRows, baseFingerprint);
    } catch (IOException | RuntimeException e) {
      if (plora != null) {
        plora.close();
      }
      if (tok != null) {
        tok.close();
      }
      m.close();
      throw e;
    }
  }

  /** The class names. */
  public List<String> labels() {
    return head.labels();
  }

  /** The shared adapter's fingerprint (user vectors record the one they were fitted to). */
  public String adapterFingerprint() {
    return adapterFingerprint;
  }

  /** The users the shared adapter's own table knows (trained with it). */
  public List<String> tableUsers() {
    return plora.users().ids();
  }

  /**
   * Loads a user vector entry ({@link UserVectorFile}) from the store into its per-layer biases.
   *
   * @throws IOException if it belongs to another user, another shared adapter or base model, or has
   *     the wrong width
   */
  public Personalization load(AdapterRef ref, Path dir) throws IOException {
    UserVectorFile entry = UserVectorFile.read(dir);
    String where = "user vector " + ref.label();
    if (!entry.userId().equals(ref.user())) {
      throw new IOException(where + " holds user '" + entry.userId() + "'");
    }
    if (!entry.adapterFingerprint().equals(adapterFingerprint)) {
      throw new IOException(
          where
              + " was fitted to PLoRA adapter "
              + entry.adapterFingerprint()
              + ", not to the served "
              + adapterFingerprint
              + " (enrol the user again)");
    }
    if (baseFingerprint != null && !entry.baseModelFingerprint().equals(baseFingerprint)) {
      throw new IOException(where + " records another base model");
    }
    if (entry.vector().length != plora.config().userDim()) {
      throw new IOException(
          where + " has " + entry.vector().length + " values, d_u is " + plora.config().userDim());
    }
    float[] v = entry.vector();
    return Personalization.of(ref, new PLoraUser(ref.user(), v, run(() -> plora.userBiases(v))));
  }

  /** A user of the shared adapter's own table (trained with it), or null. */
  public PLoraUser tableUser(String user) throws IOException {
    if (!plora.users().contains(user)) {
      return null;
    }
    float[] v = plora.users().vector(user);
    return new PLoraUser(user, v, run(() -> plora.userBiases(v)));
  }

  /** Classifies rows, users mixed freely, in batches of up to {@code maxRows}. */
  public List<ClassifierService.Result> classify(List<Row> rows)
      throws IOException, InterruptedException {
    return call(
        () -> {
          List<ClassifierService.Result> out = new ArrayList<>();
          for (int start = 0; start < rows.size(); start += maxRows) {
            out.addAll(batch(rows.subList(start, Math.min(rows.size(), start + maxRows))));
          }
          return out;
        });
  }

  /**
   * Fits a new vector for {@code user} from labelled texts ({@code labels[i]} indexes {@link
   * #labels()}), everything else frozen, and returns it as a user vector entry.
   */
  public Enrolled enrol(
      String user, List<String> texts, int[] labels, FewShotEnrolment.Config config)
      throws IOException, InterruptedException {
    if (texts.isEmpty() || texts.size() != labels.length) {
      throw new IllegalArgumentException("enrolment needs texts with one label each");
    }
    return call(
        () -> {
          List<Example> ex = new ArrayList<>();
          for (int i = 0; i < texts.size(); i++) {
            ex.add(Example.classification(encode(texts.get(i)), labels[i]));
          }
          plora.unmerge();
          FewShotEnrolment.Result r;
          try {
            r =
                FewShotEnrolment.fit(
                    plora,
                    (ids, mask) -> bert.forward(ids, mask, null),
                    head.pooling(),
                    headOf(),
                    ex,
                    config);
          } finally {
            plora.merge();
          }
          return new Enrolled(
              new UserVectorFile(user, r.vector(), baseFingerprint, adapterFingerprint), r);
        });
  }

  private io.persona4j.core.train.ClassificationHead headCache;

  /** The core head of the served adapter (for fitting), built once from modules_to_save. */
  private io.persona4j.core.train.ClassificationHead headOf() {
    if (headCache == null) {
      headCache = io.persona4j.core.train.ClassificationHead.of(plora.modulesToSave(), manager);
    }
    return headCache;
  }

  private long[] encode(String text) {
    long[] x = tokenizer.encode(text, true);
    return x.length > maxTokens ? Arrays.copyOf(x, maxTokens) : x;
  }

  private List<ClassifierService.Result> batch(List<Row> rows) {
    List<String> texts = new ArrayList<>();
    boolean anyUser = false;
    for (Row r : rows) {
      texts.add(r.text());
      anyUser |= r.user() != null;
    }
    TextBatch batch = TextBatch.of(tokenizer, texts, maxTokens);
    float[] probs;
    try (NDManager m = manager.newSubManager();
        Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDArray maskArr = batch.mask(m); // [B, T]
      try (PLoraModel.Scope s =
          anyUser ? plora.conditionOnBiases(biases(rows, m)) : plora.condition(null)) {
        NDArray hidden = bert.forward(batch.ids(m), maskArr, null); // [B, T, H]
        NDArray logits = head.logits(head.pooling().pool(hidden, maskArr)); // [B, C]
        probs = logits.softmax(-1).toFloatArray();
      }
    }
    return batch.results(probs, head.labels());
  }

  /** Per layer, the rows' biases stacked {@code [B, out]} (zeros for rows without a user). */
  private Map<String, NDArray> biases(List<Row> rows, NDManager m) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String path : plora.layers().keySet()) {
      int width = Math.toIntExact(plora.layers().get(path).outFeatures());
      float[] stacked = new float[rows.size() * width];
      for (int i = 0; i < rows.size(); i++) {
        PLoraUser u = rows.get(i).user();
        if (u != null) {
          System.arraycopy(u.biases().get(path), 0, stacked, i * width, width);
        }
      }
      out.put(path, m.create(stacked, new Shape(rows.size(), width)));
    }
    return out;
  }

  private <T> T run(Callable<T> task) throws IOException {
    try {
      return call(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private <T> T call(Callable<T> task) throws IOException, InterruptedException {
    Future<T> f = worker.submit(task);
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(c);
    } catch (InterruptedException e) {
      f.cancel(true);
      throw e;
    }
  }

  public BertModel model() {
    return bert;
  }

  @Override
  public void close() {
    worker.shutdownNow();
    plora.close();
    tokenizer.close();
    manager.close();
  }
}
