/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.config.BertConfig;
import io.persona4j.core.model.WeightSource;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weights of a BERT encoder exported to ONNX (by PyTorch's exporter, e.g. sentence-transformers
 * all-MiniLM-L6-v2), under Hugging Face names and layouts, with the {@link BertConfig} the graph
 * implies.
 *
 * <p>Initializers that kept their Hugging Face names (embeddings, biases, LayerNorms) keep them.
 * Linear weights that the exporter constant-folded into anonymous MatMul operands ({@code
 * onnx::MatMul_885}, stored {@code [in, out]}) are named through the graph: the {@code Add} that
 * consumes the MatMul's output together with a named bias {@code X.bias} identifies the weight as
 * {@code X.weight}, which is served transposed to {@code [out, in]}. Gemm weights are named the
 * same way and transposed unless {@code transB = 1}. Integer buffers ({@code position_ids}) are not
 * weights and are left out.
 *
 * <p>Config: vocab, hidden, intermediate, position and token-type sizes come from weight shapes;
 * the layer count from the {@code encoder.layer.N} names; the head count from the Reshape that
 * splits layer 0's query into heads ({@code [B, T, heads, head_dim]}); the activation from the ops
 * after the intermediate dense (Erf = exact GELU, Tanh = gelu_new); the LayerNorm epsilon from the
 * constant added before the Sqrt. If the head count cannot be read from the graph, the caller's
 * {@code fallbackHeads} is used (12 for MiniLM and BERT-base) and a warning is logged.
 */
public final class BertOnnxImporter implements WeightSource {
  private static final Logger LOG = LoggerFactory.getLogger(BertOnnxImporter.class);

  /** Heads assumed when the graph does not show them (MiniLM-L6/L12 and BERT-base use 12). */
  public static final int DEFAULT_HEADS = 12;

  private static final Pattern LAYER = Pattern.compile("^(?:bert\\.)?encoder\\.layer\\.(\\d+)\\.");

  /** An exported tensor served under a Hugging Face name, transposed if it was stored [in, out]. */
  private record Entry(OnnxTensor tensor, boolean transpose, long[] shape) {}

  private final OnnxModel model;
  private final String description;
  private final Map<String, Entry> entries;
  private final Map<String, String> renamed;
  private final BertConfig config;

  private BertOnnxImporter(OnnxModel model, int fallbackHeads) throws IOException {
    this.model = model;
    String src = model.source();
    this.description = src.substring(src.lastIndexOf(File.separatorChar) + 1);
    Map<String, Entry> map = new LinkedHashMap<>();
    for (OnnxTensor t : model.initializers().values()) {
      if (t.dataType() == OnnxTensor.FLOAT && !isAnonymous(t.name())) {
        map.put(t.name(), new Entry(t, false, t.dims()));
      }
    }
    Map<String, String> names = new LinkedHashMap<>();
    for (OnnxNode n : model.nodes()) {
      if (n.opType().equals("MatMul") && n.inputs().size() == 2) {
        attribute(n, n.inputs().get(1), true, map, names);
      } else if (n.opType().equals("Gemm") && n.inputs().size() >= 2) {
        attribute(n, n.inputs().get(1), n.intAttribute("transB", 0) == 0, map, names);
      }
    }
    Set<String> skipped = new TreeSet<>();
    for (OnnxTensor t : model.initializers().values()) {
      if (t.dataType() == OnnxTensor.FLOAT
          && isAnonymous(t.name())
          && !names.containsKey(t.name())) {
        skipped.add(t.name());
      }
    }
    if (!skipped.isEmpty()) {
      LOG.warn(
          "{}: {} anonymous initializers could not be named: {}",
          description,
          skipped.size(),
          skipped);
    }
    this.entries = Collections.unmodifiableMap(map);
    this.renamed = Collections.unmodifiableMap(names);
    this.config = inferConfig(fallbackHeads);
  }

  /** Reads an ONNX export and names its weights; heads default to {@value #DEFAULT_HEADS}. */
  public static BertOnnxImporter open(Path onnxFile) throws IOException {
    return open(onnxFile, DEFAULT_HEADS);
  }

  /**
   * Reads an ONNX export and names its weights.
   *
   * @param fallbackHeads attention heads to assume if the graph does not show them
   * @throws IOException naming the file if it is not a readable ONNX model or not a BERT encoder
   */
  public static BertOnnxImporter open(Path onnxFile, int fallbackHeads) throws IOException {
    return of(OnnxModel.read(onnxFile), fallbackHeads);
  }

  /** Names the weights of an already parsed model. */
  public static BertOnnxImporter of(OnnxModel model, int fallbackHeads) throws IOException {
    return new BertOnnxImporter(model, fallbackHeads);
  }

  /** The config implied by the graph (model_type {@code bert}). */
  public BertConfig config() {
    return config;
  }

  public OnnxModel model() {
    return model;
  }

  /** Anonymous initializer name to the Hugging Face name it was given, e.g. MatMul_885 to query. */
  public Map<String, String> renamed() {
    return renamed;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Set<String> names() {
    return entries.keySet();
  }

  @Override
  public Shape shape(String name) throws IOException {
    return new Shape(entry(name).shape());
  }

  @Override
  public NDArray load(String name, NDManager manager) throws IOException {
    return manager.create(floats(name), shape(name));
  }

  /** The tensor's values, row-major in the Hugging Face layout. */
  public float[] floats(String name) throws IOException {
    Entry e = entry(name);
    float[] v;
    try {
      v = e.tensor().floats();
    } catch (IllegalStateException ex) {
      throw new IOException(description + ": tensor '" + name + "': " + ex.getMessage(), ex);
    }
    if (!e.transpose()) {
      return v;
    }
    int in = (int) e.tensor().dims()[0];
    int out = (int) e.tensor().dims()[1];
    float[] t = new float[v.length];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        t[o * in + i] = v[i * out + o];
      }
    }
    return t;
  }

  private Entry entry(String name) throws IOException {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IOException(description + ": missing tensor '" + name + "'");
    }
    return e;
  }

  private static boolean isAnonymous(String name) {
    return name.startsWith("onnx::");
  }

  /**
   * Names the 2-D weight operand of a MatMul/Gemm after the named bias added to its output: the
   * Gemm's own third input, or the other operand of an Add consuming the MatMul's output.
   */
  private void attribute(
      OnnxNode node,
      String weightName,
      boolean storedInOut,
      Map<String, Entry> map,
      Map<String, String> names)
      throws IOException {
    OnnxTensor w = model.initializers().get(weightName);
    if (w == null || w.dataType() != OnnxTensor.FLOAT || w.dims().length != 2) {
      return; // an activation x activation product (attention scores), not a weight
    }
    long outFeatures = storedInOut ? w.dims()[1] : w.dims()[0];
    String bias = null;
    if (node.opType().equals("Gemm") && node.inputs().size() >= 3) {
      bias = node.inputs().get(2);
    } else {
      for (OnnxNode add : model.consumers(node.outputs().get(0))) {
        if (add.opType().equals("Add")) {
          for (String in : add.inputs()) {
            if (!in.equals(node.outputs().get(0)) && in.endsWith(".bias")) {
              bias = in;
            }
          }
        }
      }
    }
    OnnxTensor b = bias == null ? null : model.initializers().get(bias);
    if (b == null || !Arrays.equals(b.dims(), new long[] {outFeatures})) {
      return;
    }
    String hf = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
    long[] shape = storedInOut ? new long[] {w.dims()[1], w.dims()[0]} : w.dims();
    Entry existing = map.get(hf);
    if (existing != null && existing.tensor() != w) {
      throw new IOException(
          model.source()
              + ": weight '"
              + weightName
              + "' would be named '"
              + hf
              + "', but an initializer of that name already exists");
    }
    if (!weightName.equals(hf)) {
      map.remove(weightName);
      names.put(weightName, hf);
    }
    map.put(hf, new Entry(w, storedInOut, shape));
  }

  private BertConfig inferConfig(int fallbackHeads) throws IOException {
    String prefix = entries.containsKey("bert.embeddings.word_embeddings.weight") ? "bert." : "";
    long[] word = require(prefix + "embeddings.word_embeddings.weight", 2);
    long[] pos = require(prefix + "embeddings.position_embeddings.weight", 2);
    long[] types = require(prefix + "embeddings.token_type_embeddings.weight", 2);
    long[] inter = require(prefix + "encoder.layer.0.intermediate.dense.bias", 1);
    long hidden = word[1];
    TreeSet<Integer> layers = new TreeSet<>();
    for (String name : entries.keySet()) {
      Matcher m = LAYER.matcher(name);
      if (m.find()) {
        layers.add(Integer.parseInt(m.group(1)));
      }
    }
    if (layers.first() != 0 || layers.last() != layers.size() - 1) {
      throw new IOException(model.source() + ": encoder layers are not numbered 0..N-1: " + layers);
    }
    BertGraphFacts facts = new BertGraphFacts(model);
    int heads =
        facts
            .heads(prefix, hidden)
            .orElseGet(
                () -> {
                  LOG.warn(
                      "{}: no head count in the graph; assuming {} heads",
                      description,
                      fallbackHeads);
                  return fallbackHeads;
                });
    String act =
        facts
            .activation(prefix)
            .orElseGet(
                () -> {
                  LOG.warn("{}: MLP activation not recognized; assuming 'gelu'", description);
                  return "gelu";
                });
    double eps =
        facts
            .layerNormEps(prefix)
            .orElseGet(
                () -> {
                  LOG.warn("{}: LayerNorm epsilon not found; assuming 1e-12", description);
                  return 1e-12;
                });
    checkPositionIds(prefix + "embeddings.position_ids");
    return new BertConfig(
        "bert",
        Math.toIntExact(word[0]),
        Math.toIntExact(hidden),
        layers.size(),
        heads,
        Math.toIntExact(inter[0]),
        act,
        Math.toIntExact(pos[0]),
        Math.toIntExact(types[0]),
        eps,
        0,
        "absolute",
        "float32",
        List.of("BertModel"));
  }

  private long[] require(String name, int rank) throws IOException {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IOException(
          model.source() + ": not a BERT encoder export: no initializer '" + name + "'");
    }
    if (e.shape().length != rank) {
      throw new IOException(
          model.source()
              + ": tensor '"
              + name
              + "' has shape "
              + Arrays.toString(e.shape())
              + ", expected rank "
              + rank);
    }
    return e.shape();
  }

  /** Position ids are recomputed as 0..T-1; warn if the export's buffer says otherwise. */
  private void checkPositionIds(String name) {
    OnnxTensor t = model.initializers().get(name);
    if (t == null || (t.dataType() != OnnxTensor.INT64 && t.dataType() != OnnxTensor.INT32)) {
      return;
    }
    long[] ids = t.longs();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] != i) {
        LOG.warn("{}: '{}' is not 0..N-1 (index {} = {})", description, name, i, ids[i]);
        return;
      }
    }
  }
}
