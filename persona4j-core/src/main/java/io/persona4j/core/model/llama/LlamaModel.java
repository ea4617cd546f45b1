/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.core.config.LlamaConfig;
import io.persona4j.core.config.ModelConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.core.io.Checkpoint;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.AdaptableModel;
import io.persona4j.core.model.AttentionMask;
import io.persona4j.core.model.CheckpointWeights;
import io.persona4j.core.model.Linear;
import io.persona4j.core.model.TorchOps;
import io.persona4j.core.model.WeightLoader;
import io.persona4j.core.model.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Llama-style decoder (Llama 2/3, Mistral-like, Qwen2/2.5, SmolLM, TinyLlama) on DJL/PyTorch.
 *
 * <p>Weights live on the model's own manager; every forward call keeps its temporaries in an {@link
 * NDScope} and returns its result on the manager of the input ids.
 */
public final class LlamaModel implements AutoCloseable, AdaptableModel {
  private static final Logger LOG = LoggerFactory.getLogger(LlamaModel.class);

  private final LlamaConfig config;
  private final NDManager manager;
  private final NDArray embedTokens; // [V, H]
  private final List<LlamaLayer> layers;
  private final RmsNorm finalNorm;
  private final Linear lmHead; // weight [V, H]
  private final Rope rope;
  private Path checkpointDirectory; // null unless loaded from a directory
  private WeightPrecision decodePrecision = WeightPrecision.F32;
  private final KernelStep kernelStep; // small-batch decode steps wholly in the JVM
  private long decodeWeightBytes; // packed bytes a decode step streams (0 while F32)
  private boolean decodeKernel; // small-batch steps run on io.persona4j.core.kernel

  private LlamaModel(
      LlamaConfig config,
      NDManager manager,
      NDArray embedTokens,
      List<LlamaLayer> layers,
      RmsNorm finalNorm,
      Linear lmHead,
      Rope rope) {
    this.config = config;
    this.manager = manager;
    this.embedTokens = embedTokens;
    this.layers = layers;
    this.finalNorm = finalNorm;
    this.lmHead = lmHead;
    this.rope = rope;
    this.kernelStep = new KernelStep(layers, finalNorm, rope);
  }

  /**
   * Loads every tensor the config implies from {@code source}, checking names and shapes.
   *
   * @param parent the model's weights live on a sub-manager of it, freed by {@link #close()}
   */
  public static LlamaModel load(LlamaConfig config, WeightSource source, NDManager parent)
      throws IOException {
    NDManager m = parent.newSubManager();
    try {
      WeightLoader w = new WeightLoader(source, m);
      long h = config.hiddenSize();
      long v = config.vocabSize();
      long q = (long) config.numAttentionHeads() * config.headDim();
      long kv = (long) config.numKeyValueHeads() * config.headDim();
      long inter = config.intermediateSize();
      float eps = config.rmsNormEps().floatValue();
      NDArray embed = w.require("model.embed_tokens.weight", v, h);
      List<LlamaLayer> layers = new ArrayList<>();
      for (int i = 0; i < config.numHiddenLayers(); i++) {
        String p = "model.layers." + i + ".";
        Linear[] proj = new Linear[LlamaLayer.Proj.values().length];
        proj[0] = linear(w, p + "self_attn.q_proj", q, h, config.qkvBias());
        proj[1] = linear(w, p + "self_attn.k_proj", kv, h, config.qkvBias());
        proj[2] = linear(w, p + "self_attn.v_proj", kv, h, config.qkvBias());
        proj[3] = linear(w, p + "self_attn.o_proj", h, q, config.outputBias());
        proj[4] = linear(w, p + "mlp.gate_proj", inter, h, false);
        proj[5] = linear(w, p + "mlp.up_proj", inter, h, false);
        proj[6] = linear(w, p + "mlp.down_proj", h, inter, false);
        RmsNorm in = new RmsNorm(w.require(p + "input_layernorm.weight", h), eps);
        RmsNorm post = new RmsNorm(w.require(p + "post_attention_layernorm.weight", h), eps);
        layers.add(new LlamaLayer(i, config, in, post, proj));
      }
      RmsNorm norm = new RmsNorm(w.require("model.norm.weight", h), eps);
      Linear head;
      if (config.tieWordEmbeddings()) {
        head = new Linear("lm_head", embed, null);
        NDArray extra = w.optional("lm_head.weight", v, h); // tolerated, as transformers does
        if (extra != null) {
          extra.close(); // (not used: the embedding is the head)
        }
      } else {
        head = new Linear("lm_head", w.require("lm_head.weight", v, h), null);
      }
      Set<String> unused = w.unused();
      unused.removeIf(n -> n.endsWith("rotary_emb.inv_freq"));
      if (!unused.isEmpty()) {
        LOG.warn(
            "{}: {} tensors not used by the model: {}",
            source.describe(),
            unused.size(),
            unused.stream().sorted().limit(8).toList());
      }
      Rope rope = Rope.create(config, config.maxPositionEmbeddings(), m);
      return new LlamaModel(config, m, embed, layers, norm, head, rope);
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Loads a Hugging Face model directory (config.json + safetensors, single or sharded). */
  public static LlamaModel load(Path dir, NDManager parent) throws IOException {
    ModelConfig config = ModelConfigs.load(dir);
    if (!(config instanceof LlamaConfig llama)) {
      throw new IOException(
          dir
              + ": model_type '"
              + config.modelType()
              + "' is not a decoder (llama, mistral, qwen2)");
    }
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      LlamaModel model = load(llama, new CheckpointWeights(checkpoint), parent);
      model.checkpointDirectory = dir;
      return model;
    }
  }

  /**
   * Loads a Hugging Face model directory and chooses its small-batch decode weights ({@link
   * #useDecodeWeights}): BF16 or INT8 packs its projections and LM head, F32 reads them in place.
   */
  public static LlamaModel load(Path dir, NDManager parent, WeightPrecision precision)
      throws IOException {
    LlamaModel model = load(dir, parent);
    try {
      model.useDecodeWeights(precision);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Decodes small batches (at most {@link io.persona4j.core.kernel.PackedMatrix#MAX_DECODE_ROWS}
   * rows per step) on this package's Java Vector API kernel ({@code io.persona4j.core.kernel}; the
   * JVM needs {@code --add-modules jdk.incubator.vector}), with the projection and LM head weights
   * in {@code precision}. BF16 and INT8 pack every projection of every block and the LM head once;
   * the F32 weights are overwritten with the rounded values, so prefill and anything else PyTorch
   * computes use the same weights (a tied embedding is rounded with the LM head); merging an
   * adapter afterwards is refused. F32 reads PyTorch's weights in place (no copy, nothing rounded;
   * merges and in-place updates are seen by the next step); without the Vector API, F32 leaves
   * every step on PyTorch. Unmerged LoRA adapters are added by the kernel too ({@link
   * io.persona4j.core.model.AdditiveLinear#kernelDeltas}). Prefill, training and batches of more
   * than 8 rows stay on PyTorch. Call once, before injecting adapters.
   *
   * @throws IllegalStateException if decode weights were already chosen, or BF16/INT8 without the
   *     Vector API
   */
  public synchronized void useDecodeWeights(WeightPrecision precision) {
    if (decodeKernel) {
      throw new IllegalStateException("decode weights are already " + decodePrecision.cliName());
    }
    if (precision == WeightPrecision.F32) {
      boolean every = lmHead.useDecodeKernelInPlace();
      for (LlamaLayer layer : layers) {
        every &= layer.useDecodeKernelInPlace();
      }
      decodeKernel = true;
      if (!every) {
        LOG.debug("F32 decode kernel not used for every projection (Vector API missing?)");
      }
      return;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new IllegalStateException(
          precision.cliName()
              + " decode weights need the Vector API: start the JVM with --add-modules"
              + " jdk.incubator.vector (bin/persona4j adds it when --weights is given)");
    }
    long bytes = 0;
    for (LlamaLayer layer : layers) {
      bytes += layer.useDecodeWeights(precision);
    }
    bytes += LlamaLayer.packInPlace(lmHead, precision).streamedBytes();
    decodePrecision = precision;
    decodeWeightBytes = bytes;
    decodeKernel = true;
  }

  /** Whether small-batch decode steps run the projections on the Java kernel. */
  public boolean usesDecodeKernel() {
    return decodeKernel && lmHead.usesDecodeKernel();
  }

  /**
   * How many decode steps ran wholly in the JVM so far (blocks, attention over the KV cache and the
   * cache writes on the kernel, no PyTorch op): steps of at most 8 rows, one new position each,
   * through a {@link KvCache}, with every block on the kernel.
   */
  public long decodeStepsInJvm() {
    return kernelStep.count();
  }

  /** The precision small-batch decode steps stream the projection weights in. */
  public WeightPrecision decodePrecision() {
    return decodePrecision;
  }

  /**
   * Bytes of projection and LM head weights one decode step reads (int8 scales included): the lower
   * bound of its memory traffic, which divided by the memory bandwidth bounds tokens/s.
   */
  public long decodeWeightBytes() {
    if (decodePrecision != WeightPrecision.F32) {
      return decodeWeightBytes;
    }
    long bytes = 4L * lmHead.inFeatures() * lmHead.outFeatures();
    for (LlamaLayer layer : layers) {
      for (LlamaLayer.Proj p : LlamaLayer.Proj.values()) {
        Linear l = layer.linear(p);
        bytes += 4L * l.inFeatures() * l.outFeatures();
      }
    }
    return bytes;
  }

  private static Linear linear(WeightLoader w, String name, long out, long in, boolean bias)
      throws IOException {
    NDArray weight = w.require(name + ".weight", out, in);
    NDArray b = bias ? w.require(name + ".bias", out) : w.optional(name + ".bias", out);
    return new Linear(name, weight, b);
  }

  public LlamaConfig config() {
    return config;
  }

  /** Number of parameters as the config implies them (a tied embedding counted once). */
  @Override
  public long parameterCount() {
    return config.parameterCount();
  }

  public List<LlamaLayer> layers() {
    return Collections.unmodifiableList(layers);
  }

  @Override
  public Optional<Path> checkpointDirectory() {
    return Optional.ofNullable(checkpointDirectory);
  }

  @Override
  public Map<String, Linear> linears() {
    Map<String, Linear> all = new LinkedHashMap<>();
    for (LlamaLayer layer : layers) {
      for (LlamaLayer.Proj p : LlamaLayer.Proj.values()) {
        Linear l = layer.linear(p);
        all.put("model.layers." + layer.index() + "." + p.suffix, l);
      }
    }
    return all;
  }

  @Override
  public void replaceLinear(String path, Linear replacement) {
    for (LlamaLayer layer : layers) {
      String prefix = "model.layers." + layer.index() + ".";
      if (path.startsWith(prefix)) {
        for (LlamaLayer.Proj p : LlamaLayer.Proj.values()) {
          if (path.equals(prefix + p.suffix)) {
            layer.setLinear(p, replacement);
            return;
          }
        }
      }
    }
    throw new IllegalArgumentException("no linear layer at module path '" + path + "'");
  }

  /**
   * Every weight of the model by checkpoint name, in checkpoint order; a tied {@code lm_head} is
   * listed once, as {@code model.embed_tokens.weight}. The arrays are the live ones the model
   * computes with, not copies: full-parameter training updates them in place.
   */
  public Map<String, NDArray> weights() {
    Map<String, NDArray> all = new LinkedHashMap<>();
    all.put("model.embed_tokens.weight", embedTokens);
    for (LlamaLayer layer : layers) {
      String prefix = "model.layers." + layer.index() + ".";
      layer.weights().forEach((name, w) -> all.put(prefix + name, w));
    }
    all.put("model.norm.weight", finalNorm.weight());
    if (lmHead.weight() != embedTokens) {
      all.put("lm_head.weight", lmHead.weight());
    }
    return all;
  }

  /** A KV cache sized for this model. */
  public KvCache newCache(NDManager parent, int batch, int capacity) {
    if (capacity > rope.maxPositions()) {
      throw new IllegalArgumentException(
          "cache capacity " + capacity + " exceeds max_position_embeddings " + rope.maxPositions());
    }
    return new KvCache(
        parent,
        config.numHiddenLayers(),
        batch,
        config.numKeyValueHeads(),
        capacity,
        config.headDim());
  }

  /**
   * Token embeddings.
   *
   * @param ids {@code [B, T]} int64
   * @return {@code [B, T, H]} on {@code ids}' manager
   */
  public NDArray embed(NDArray ids) {
    NDArray e;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      e = embedUnscoped(ids); // [B, T, H]
      NDScope.unregister(e);
    }
    e.attach(ids.getManager());
    return e;
  }

  /**
   * Runs the decoder stack on input embeddings.
   *
   * @param embeds {@code [B, T, H]}
   * @param positions {@code [B, T]} int64 RoPE positions
   * @param mask {@code [B, 1, T, S]} additive mask ({@link AttentionMask}); S = cache length + T.
   *     May be null for a single new position (T = 1) that attends to every slot of the cache (no
   *     padding, no window limit), which saves the mask's work in every layer.
   * @param cache KV cache to append to, or null
   * @return final-norm hidden states {@code [B, T, H]} on {@code embeds}' manager
   */
  public NDArray hidden(NDArray embeds, NDArray positions, NDArray mask, DecoderCache cache) {
    NDManager out = embeds.getManager();
    NDArray x;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      x = hiddenUnscoped(embeds, positions, mask, cache); // [B, T, H]
      NDScope.unregister(x);
    }
    x.attach(out);
    return x;
  }

  /**
   * Runs decoder layers {@code [from, to)} on residual-stream states, without a cache and without
   * the final norm: the building block of split learning, where different parties run different
   * layer ranges. {@code layers(x, p, mask, 0, n)} followed by {@link #finalNorm} equals {@link
   * #hidden} without a cache.
   *
   * @param x {@code [B, T, H]} the input of layer {@code from} (token embeddings for {@code from =
   *     0})
   * @param positions {@code [B, T]} int64 RoPE positions
   * @param mask {@code [B, 1, T, T]} additive mask ({@link AttentionMask}), required for {@code T >
   *     1}
   * @param from first layer to run, {@code 0 <= from <= to}
   * @param to end of the range (exclusive), {@code <= numHiddenLayers}
   * @return the output of layer {@code to - 1} (for an empty range a new handle on {@code x}'s
   *     values, through which gradients flow), {@code [B, T, H]} on {@code x}'s manager
   */
  public NDArray layers(NDArray x, NDArray positions, NDArray mask, int from, int to) {
    if (from < 0 || from > to || to > layers.size()) {
      throw new IllegalArgumentException(
          "layer range [" + from + ", " + to + ") is not within [0, " + layers.size() + "]");
    }
    NDManager out = x.getManager();
    NDArray y;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      y = runLayers(x, positions, mask, null, from, to); // [B, T, H]
      if (y == x) {
        y = x.reshape(x.getShape()); // a new handle on the same values, in the graph
      }
      NDScope.unregister(y);
    }
    y.attach(out);
    return y;
  }

  /** The final RMS norm of the decoder stack, {@code [..., H]} to {@code [..., H]}. */
  public NDArray finalNorm(NDArray x) {
    return finalNorm.forward(x);
  }

  private NDArray embedUnscoped(NDArray ids) {
    NDArray longIds = checkIds(ids); // [B, T] int64
    return TorchOps.rows(embedTokens, longIds); // [B, T, H]
  }

  private NDArray hiddenUnscoped(
      NDArray embeds, NDArray positions, NDArray mask, DecoderCache cache) {
    NDArray h =
        cache != null && decodeKernel ? kernelStep.run(embeds, positions, mask, cache) : null;
    if (h != null) {
      cache.advance(1);
      return h; // [B, 1, H]
    }
    NDArray x = runLayers(embeds, positions, mask, cache, 0, layers.size()); // [B, T, H]
    if (cache != null) {
      cache.advance((int) embeds.getShape().get(1));
    }
    return finalNorm.forward(x); // [B, T, H]
  }

  private NDArray runLayers(
      NDArray embeds, NDArray positions, NDArray mask, DecoderCache cache, int from, int to) {
    long t = embeds.getShape().get(1);
    if (mask == null && t != 1) {
      throw new IllegalArgumentException("a mask is required for " + t + " positions at once");
    }
    // Shared by every layer: RoPE angles, and the mask repeated for the query heads of a group.
    Rope.Angles angles = rope.angles(positions); // [B, T, 1, hd] x 2
    int groups = config.numAttentionHeads() / config.numKeyValueHeads();
    NDArray groupMask =
        mask == null || groups == 1 ? mask : mask.tile(new long[] {1, 1, groups, 1}); // [B,1,g*T,S]
    NDArray x = embeds; // [B, T, H]
    for (LlamaLayer layer : layers.subList(from, to)) {
      // Each layer's temporaries are freed as soon as it is done (a scope for the whole stack
      // would hold every layer's activations until the end); only its output is kept.
      try (NDScope layerScope = new NDScope()) {
        layerScope.suppressNotUsedWarning();
        x = layer.forward(x, angles, groupMask, rope, cache); // [B, T, H]
        NDScope.unregister(x);
      }
      NDScope.register(x); // to the caller's scope
    }
    return x;
  }

  /** Logits {@code [..., V]} of final hidden states {@code [..., H]}. */
  public NDArray lmHead(NDArray hidden) {
    return lmHead.forward(hidden);
  }

  public Linear lmHeadLinear() {
    return lmHead;
  }

  /**
   * Full forward pass without a cache.
   *
   * @param ids {@code [B, T]} int64 token ids
   * @param attentionMask {@code [B, T]} 1 for real tokens, 0 for padding (left or right), or null
   * @return logits {@code [B, T, V]} on {@code ids}' manager
   */
  public NDArray logits(NDArray ids, NDArray attentionMask) {
    NDManager out = ids.getManager();
    long b = ids.getShape().get(0);
    long t = ids.getShape().get(1);
    boolean[][] valid = validity(attentionMask, (int) b, (int) t);
    NDArray logits;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray positions = out.create(positionsFrom(valid), new Shape(b, t)); // [B, T]
      NDArray mask = AttentionMask.causal(valid, 0, (int) t, config.attentionWindow(), out);
      NDArray h = hiddenUnscoped(embedUnscoped(ids), positions, mask, null); // [B, T, H]
      logits = lmHead(h); // [B, T, V]
      NDScope.unregister(logits);
    }
    logits.attach(out);
    return logits;
  }

  /** RoPE positions from a validity mask: count of real tokens before each slot (HF cumsum - 1). */
  public static long[] positionsFrom(boolean[][] valid) {
    int b = valid.length;
    int t = b == 0 ? 0 : valid[0].length;
    long[] pos = new long[b * t];
    for (int r = 0; r < b; r++) {
      long seen = 0;
      for (int c = 0; c < t; c++) {
        pos[r * t + c] = Math.max(0, seen + (valid[r][c] ? 1 : 0) - 1);
        if (valid[r][c]) {
          seen++;
        }
      }
    }
    return pos;
  }

  private static boolean[][] validity(NDArray attentionMask, int b, int t) {
    boolean[][] valid = new boolean[b][t];
    if (attentionMask == null) {
      for (boolean[] row : valid) {
        Arrays.fill(row, true);
      }
      return valid;
    }
    if (!attentionMask.getShape().equals(new Shape(b, t))) {
      throw new IllegalArgumentException(
          "attention mask shape " + attentionMask.getShape() + " != ids shape " + new Shape(b, t));
    }
    long[] m = attentionMask.toType(DataType.INT64, false).toLongArray();
    for (int r = 0; r < b; r++) {
      for (int c = 0; c < t; c++) {
        valid[r][c] = m[r * t + c] != 0;
      }
    }
    return valid;
  }

  private NDArray checkIds(NDArray ids) {
    if (ids.getShape().dimension() != 2) {
      throw new IllegalArgumentException("token ids must be [batch, time], got " + ids.getShape());
    }
    if (ids.getDataType() != DataType.INT64 && ids.getDataType() != DataType.INT32) {
      throw new IllegalArgumentException("token ids must be integers, got " + ids.getDataType());
    }
    NDArray longIds = ids.toType(DataType.INT64, false);
    if (ids.size() > 0) {
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (long id : longIds.toLongArray()) { // one copy instead of two reductions and two reads
        min = Math.min(min, id);
        max = Math.max(max, id);
      }
      if (min < 0 || max >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "token id out of range [0, " + config.vocabSize() + "): min " + min + ", max " + max);
      }
    }
    return longIds;
  }

  @Override
  public void close() {
    manager.close();
  }
}
