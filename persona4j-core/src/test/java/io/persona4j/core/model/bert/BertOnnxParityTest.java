/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.bert;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.onnx.BertOnnxConverter;
import io.persona4j.core.onnx.BertOnnxImporter;
import io.persona4j.core.onnx.MiniLm;
import io.persona4j.core.tokenizer.Tokenizer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core proof of the BERT encoder: the real all-MiniLM-L6-v2 weights, imported from its ONNX
 * export, give the same last hidden states and mean-pooled embeddings in {@link BertModel} as ONNX
 * Runtime running that same ONNX file, batched with padding and one sentence at a time.
 */
class BertOnnxParityTest {
  static final double TOLERANCE = 1e-4;
  static final int H = 384;

  /** Short and long, punctuation, numbers, non-ASCII, an empty one, 254 and 494 tokens. */
  static final List<String> SENTENCES =
      List.of(
          "A man is eating food.",
          "A man is eating a piece of bread.",
          "The stock market fell sharply today.",
          "Hi",
          "",
          "What's the weather like in São Paulo, Zürich and Kraków?",
          "The price rose 3.75% to $1,234.56 on 2024-11-21 at 09:30.",
          "東京は日本の首都です。",
          "Привет, как дела?",
          "Emoji test 🙂🚀 — dashes, “quotes” and ellipses…",
          "!!!???...,,,;;;",
          "supercalifragilisticexpialidocious antidisestablishmentarianism",
          "The quick brown fox jumps over the lazy dog.",
          "It's not that I don't like it; I just can't stand it.",
          "e = mc^2, a^2 + b^2 = c^2, and 1/3 ≈ 0.333",
          "Ελληνικά: καλημέρα κόσμε",
          "Rated 5 stars: great coffee, fast shipping, would buy again!!!",
          "HTML <b>bold</b> & entities &amp; URLs https://example.com/a?b=c",
          "a",
          "Nous avons mangé des crêpes à Paris l'été dernier.",
          "Tab\tseparated\nnew line  double  spaces",
          "Sentence embeddings map a text to a fixed-size vector so that texts with similar meaning"
              + " land close together; they are trained with contrastive objectives on large"
              + " collections of paired sentences, such as questions and their answers, titles and"
              + " abstracts, or posts and their replies, and are then used for semantic search,"
              + " clustering, deduplication and as features for downstream classifiers.",
          longText(160),
          longText(315));

  static NDManager manager;
  static BertOnnxImporter importer;
  static BertModel model;
  static Tokenizer tokenizer;
  static OrtEnvironment env;
  static OrtSession session;
  static List<long[]> tokens;
  static float[][][] refHidden; // ONNX Runtime, each sentence alone: [sentence][T][H]
  static float[][] refPooled; // their mean over T

  static String longText(int words) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; b.length() < words * 6; i++) {
      b.append("Item ").append(i).append(" of the list covers topic ").append(i * 7 % 13);
      b.append(i % 3 == 0 ? ", naïvely. " : "; ");
    }
    return b.toString();
  }

  @BeforeAll
  static void setUp() throws Exception {
    manager = TensorRuntime.newManager();
    importer = BertOnnxImporter.open(MiniLm.onnx());
    model = BertModel.load(importer.config(), importer, manager);
    tokenizer = Tokenizer.load(MiniLm.tokenizerJson());
    tokens = tokenizer.encodeAll(SENTENCES, true);
    env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(2);
    options.addConfigEntry("session.intra_op.allow_spinning", "0"); // kind to a shared box
    session = env.createSession(MiniLm.onnx().toString(), options);
    refHidden = new float[tokens.size()][][];
    refPooled = new float[tokens.size()][];
    for (int i = 0; i < tokens.size(); i++) {
      refHidden[i] = ortHidden(List.of(tokens.get(i)))[0];
      refPooled[i] = meanPool(refHidden[i], tokens.get(i).length);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    session.close();
    tokenizer.close();
    model.close();
    manager.close();
  }

  @Test
  void onnxGraphTakesBertInputsAndReturnsHiddenStates() throws OrtException {
    assertThat(session.getInputNames())
        .containsExactly("input_ids", "attention_mask", "token_type_ids");
    assertThat(importer.model().inputs())
        .containsExactly("input_ids", "attention_mask", "token_type_ids");
    assertThat(session.getOutputNames()).hasSize(2).contains("output_0");
    assertThat(importer.model().outputs()).containsExactlyElementsOf(session.getOutputNames());
    TensorInfo hidden = (TensorInfo) session.getOutputInfo().get("output_0").getInfo();
    assertThat(hidden.getShape()).hasSize(3).endsWith(384L);
  }

  @Test
  void importerNamesEveryWeightAndReadsTheConfigFromTheGraph() {
    BertConfig c = importer.config();
    assertThat(c.numHiddenLayers()).isEqualTo(6);
    assertThat(c.hiddenSize()).isEqualTo(384);
    assertThat(c.numAttentionHeads()).isEqualTo(12);
    assertThat(c.intermediateSize()).isEqualTo(1536);
    assertThat(c.vocabSize()).isEqualTo(30522);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(512);
    assertThat(c.typeVocabSize()).isEqualTo(2);
    assertThat(c.hiddenAct()).isEqualTo("gelu");
    assertThat(c.layerNormEps()).isEqualTo(1e-12);
    // 6 layers x (query, key, value, attention output, intermediate, output) MatMul weights.
    assertThat(importer.renamed()).hasSize(36);
    assertThat(importer.renamed()).containsEntry("onnx::MatMul_885", qkv(0, "query"));
    assertThat(importer.renamed().keySet()).allMatch(n -> n.startsWith("onnx::MatMul_"));
    assertThat(importer.names()).noneMatch(n -> n.startsWith("onnx::"));
    assertThat(importer.names()).doesNotContain("embeddings.position_ids");
    assertThat(importer.names()).containsAll(BertWeights.expectedShapes(c).keySet());
  }

  private static String qkv(int layer, String proj) {
    return "encoder.layer." + layer + ".attention.self." + proj + ".weight";
  }

  @Test
  void hiddenStatesAndMeanPoolingMatchOnnxRuntimeBatchedWithPaddingAndSingly() throws Exception {
    Diff single = new Diff();
    Diff batchedVsSingle = new Diff();
    Diff batched = new Diff();
    // Singly, no padding: BertModel vs ONNX TensorRuntime.
    for (int i = 0; i < tokens.size(); i++) {
      single.add(forward(List.of(tokens.get(i))), List.of(i));
    }
    // Batches mixing short and long sequences, padded to the longest (up to 494 tokens).
    List<List<Integer>> batches =
        List.of(
            List.of(0, 3, 21, 4, 7, 12),
            List.of(5, 6, 8, 9, 10, 11, 13, 14, 15, 17, 19),
            List.of(18, 22, 20, 2),
            List.of(16, 23, 1));
    assertThat(batches.stream().flatMap(List::stream).sorted().toList())
        .isEqualTo(IntStream.range(0, SENTENCES.size()).boxed().toList());
    for (List<Integer> batch : batches) {
      List<long[]> seqs = batch.stream().map(tokens::get).toList();
      Result ours = forward(seqs);
      // Padded BertModel vs unpadded ONNX Runtime: padding must not leak into real positions.
      batchedVsSingle.add(ours, batch);
      // Padded BertModel vs ONNX Runtime on the same padded batch.
      float[][][] ort = ortHidden(seqs);
      for (int r = 0; r < seqs.size(); r++) {
        int len = seqs.get(r).length;
        batched.compare(ours.hidden[r], ort[r], len, ours.pooled[r], meanPool(ort[r], len));
      }
    }
    assertThat(tokens.get(23).length).isBetween(480, 512); // near max_position_embeddings
    double hidden = Math.max(single.hidden, Math.max(batchedVsSingle.hidden, batched.hidden));
    double pooled = Math.max(single.pooled, Math.max(batchedVsSingle.pooled, batched.pooled));
    System.out.printf(
        "BertModel vs ONNX Runtime, %d sentences: max |diff| hidden / mean-pooled:"
            + " singly %.3g / %.3g, padded batches vs ORT singly %.3g / %.3g,"
            + " padded batches vs ORT padded batches %.3g / %.3g%n",
        SENTENCES.size(),
        single.hidden,
        single.pooled,
        batchedVsSingle.hidden,
        batchedVsSingle.pooled,
        batched.hidden,
        batched.pooled);
    assertThat(hidden).isLessThanOrEqualTo(TOLERANCE);
    assertThat(pooled).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void embedIdsSortsBatchesPadsAndRestoresInputOrder() {
    float[][] e = model.embedIds(tokens, 6, false);
    Diff d = new Diff();
    for (int i = 0; i < tokens.size(); i++) {
      d.compare(new float[0][], new float[0][], 0, e[i], refPooled[i]);
    }
    assertThat(d.pooled).isLessThanOrEqualTo(TOLERANCE);
  }

  /** Max abs differences over non-padded positions. */
  static final class Diff {
    double hidden;
    double pooled;

    void compare(float[][] h, float[][] ref, int len, float[] p, float[] refP) {
      for (int t = 0; t < len; t++) {
        for (int k = 0; k < ref[t].length; k++) {
          hidden = Math.max(hidden, Math.abs(h[t][k] - ref[t][k]));
        }
      }
      for (int k = 0; k < refP.length; k++) {
        pooled = Math.max(pooled, Math.abs(p[k] - refP[k]));
      }
    }

    /** Compares rows of a BertModel result against ONNX Runtime run on sentence i alone. */
    void add(Result ours, List<Integer> sentences) {
      for (int r = 0; r < sentences.size(); r++) {
        int i = sentences.get(r);
        compare(ours.hidden[r], refHidden[i], tokens.get(i).length, ours.pooled[r], refPooled[i]);
      }
    }
  }

  /** BertModel's hidden states [B][T][H] and mean-pooled embeddings [B][H] of a padded batch. */
  record Result(float[][][] hidden, float[][] pooled) {}

  private static Result forward(List<long[]> batch) {
    int b = batch.size();
    int t = batch.stream().mapToInt(s -> s.length).max().orElseThrow();
    long[][] padded = pad(batch, t);
    try (NDManager m = manager.newSubManager()) {
      NDArray ids = m.create(padded[0], new Shape(b, t));
      NDArray mask = m.create(padded[1], new Shape(b, t));
      NDArray hidden = model.forward(ids, mask, m.zeros(new Shape(b, t), ids.getDataType()));
      float[] h = hidden.toFloatArray();
      float[] p = BertModel.meanPool(hidden, mask).toFloatArray();
      float[][][] hs = new float[b][t][];
      float[][] ps = new float[b][];
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < t; i++) {
          hs[r][i] = java.util.Arrays.copyOfRange(h, (r * t + i) * H, (r * t + i + 1) * H);
        }
        ps[r] = java.util.Arrays.copyOfRange(p, r * H, (r + 1) * H);
      }
      return new Result(hs, ps);
    }
  }

  /** Right-padded ids and attention mask, flattened [B*T]. */
  private static long[][] pad(List<long[]> batch, int t) {
    long[] ids = new long[batch.size() * t];
    long[] mask = new long[batch.size() * t];
    for (int r = 0; r < batch.size(); r++) {
      long[] s = batch.get(r);
      System.arraycopy(s, 0, ids, r * t, s.length);
      java.util.Arrays.fill(mask, r * t, r * t + s.length, 1L);
    }
    return new long[][] {ids, mask};
  }

  /** ONNX Runtime's last hidden state [B][T][H] for a right-padded batch. */
  private static float[][][] ortHidden(List<long[]> batch) throws OrtException {
    int b = batch.size();
    int t = batch.stream().mapToInt(s -> s.length).max().orElseThrow();
    long[][] padded = pad(batch, t);
    long[] shape = {b, t};
    try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(padded[0]), shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(padded[1]), shape);
        OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * t]), shape);
        OrtSession.Result out =
            session.run(
                Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typeT))) {
      return (float[][][]) out.get("output_0").orElseThrow().getValue();
    }
  }

  /** Mean over the first {@code len} rows, in double. */
  private static float[] meanPool(float[][] hidden, int len) {
    float[] out = new float[hidden[0].length];
    for (int k = 0; k < out.length; k++) {
      double s = 0;
      for (int t = 0; t < len; t++) {
        s += hidden[t][k];
      }
      out[k] = (float) (s / len);
    }
    return out;
  }

  @Test
  void normalizedEmbeddingsRankAParaphraseAboveAnUnrelatedSentence() {
    float[][] e =
        model.embed(
            tokenizer,
            List.of(
                "A man is eating food.",
                "A man is eating a piece of bread.",
                "The stock market fell sharply today."));
    for (float[] row : e) {
      assertThat(dot(row, row)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }
    double similar = dot(e[0], e[1]);
    double unrelated = dot(e[0], e[2]);
    System.out.printf("cosine(paraphrase) %.4f, cosine(unrelated) %.4f%n", similar, unrelated);
    assertThat(similar).isGreaterThan(unrelated + 0.3);
  }

  @Test
  void embedTruncatesLongTextsKeepingTheFinalSep() {
    long[] cut = java.util.Arrays.copyOf(tokens.get(23), 128);
    cut[127] = 102; // [SEP]
    float[] viaText = model.embed(tokenizer, List.of(SENTENCES.get(23)), 128, 4, true)[0];
    assertThat(viaText).isEqualTo(model.embedIds(List.of(cut), 1, true)[0]);
  }

  @Test
  void convertedHuggingFaceDirectoryGivesBitIdenticalWeightsAndEmbeddings(@TempDir Path dir)
      throws Exception {
    BertOnnxConverter.convert(importer, MiniLm.tokenizerJson(), dir);
    assertThat(dir.resolve("config.json")).isRegularFile();
    assertThat(dir.resolve("tokenizer.json")).hasSameBinaryContentAs(MiniLm.tokenizerJson());
    assertThat(ModelConfigs.load(dir)).isEqualTo(importer.config());
    try (Checkpoint ckpt = Checkpoint.open(dir)) {
      assertThat(ckpt.names()).containsExactlyInAnyOrderElementsOf(importer.names());
      for (String name : importer.names()) {
        assertThat(ckpt.floats(name)).as(name).isEqualTo(importer.floats(name));
      }
    }
    List<long[]> some = tokens.subList(10, 23); // 3 to 254 tokens
    try (NDManager m = manager.newSubManager();
        BertModel fromDir = BertModel.load(dir, m)) {
      assertThat(fromDir.config()).isEqualTo(importer.config());
      float[][] expected = model.embedIds(some, 8, true);
      float[][] actual = fromDir.embedIds(some, 8, true);
      for (int i = 0; i < some.size(); i++) {
        assertThat(actual[i]).as("sentence %d", i).isEqualTo(expected[i]);
      }
    }
  }

  @Test
  void forwardKeepsNoTemporariesOnTheModelOrTheCaller() {
    BaseNDManager weights = (BaseNDManager) model.weightsManager();
    int weightArrays = weights.getManagedArrays().size();
    try (NDManager caller = manager.newSubManager()) {
      NDArray ids = caller.create(new long[] {101, 7592, 2088, 102, 0}, new Shape(1, 5));
      NDArray mask = caller.create(new long[] {1, 1, 1, 1, 0}, new Shape(1, 5));
      NDArray hidden = model.forward(ids, mask, null);
      NDArray pooled = BertModel.meanPool(hidden, mask);
      NDArray unit = BertModel.l2Normalize(pooled);
      assertThat(hidden.getShape()).isEqualTo(new Shape(1, 5, 384));
      assertThat(unit.getShape()).isEqualTo(new Shape(1, 384));
      assertThat(((BaseNDManager) caller).getManagedArrays())
          .containsExactlyInAnyOrder(ids, mask, hidden, pooled, unit);
    }
    assertThat(model.embedIds(List.of(new long[] {101, 102}, new long[] {101}), 2, true))
        .hasDimensions(2, 384);
    assertThat(weights.getManagedArrays()).hasSize(weightArrays);
  }

  static double dot(float[] a, float[] b) {
    return IntStream.range(0, a.length).mapToDouble(i -> (double) a[i] * b[i]).sum();
  }
}
